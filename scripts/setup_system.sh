#!/usr/bin/env bash
# System packages the tests need: LibreOffice (opens what poflow writes), poppler (reads the PDFs),
# DejaVu fonts (PDFs with characters outside Latin-1), Dovecot (the IMAP server the mail tests start on
# 127.0.0.1 with a throw-away config) and openssl (the tests' own CA and server certificate).
# Installs only what is missing. (aiosmtpd, the SMTP server of the tests, comes with the test extras.)
set -euo pipefail
need=()
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc-nogui)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
{ command -v dovecot || [ -x /usr/sbin/dovecot ]; } >/dev/null 2>&1 || need+=(dovecot-imapd)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
