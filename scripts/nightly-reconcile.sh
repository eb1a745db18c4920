#!/usr/bin/env bash
# Nightly reconciliation, for cron or a systemd timer:
#
#   nightly-reconcile.sh WORKBOOK BANK_DIR [REPORT_DIR]
#
# Reconciles the bank exports in BANK_DIR that were not processed yet (poflow keeps their SHA-256 in
# BANK_DIR/.poflow-processed), applies the certain matches to WORKBOOK, writes
# REPORT_DIR/reconcile-YYYY-MM-DD.xlsx and emails the summary; THEN sends the payment reminders due
# (`poflow remind`), so a payment that arrived today is applied before anyone is chased. Reminders are
# skipped when the reconciliation failed (a bank file that could not be read may hold a payment).
# Everything is appended to REPORT_DIR/poflow-nightly.log. REPORT_DIR defaults to BANK_DIR/reports.
#
# Exit status: 0 nothing new, or everything settled or ignored and the reminders sent; 1 some transactions
# or reminders need review; 2 an input could not be read or the mail could not be sent; 3 another run is
# still going; 64 wrong arguments.
#
# Environment: POFLOW (the poflow command, default `poflow`), PYTHON (a python3 that can import
# poflow_sheets, e.g. the virtualenv's; default `python3`), and for the
# email POFLOW_SMTP_HOST, POFLOW_SMTP_PORT, POFLOW_SMTP_USER, POFLOW_SMTP_PASSWORD, POFLOW_SMTP_FROM,
# POFLOW_REPORT_TO (each overrides the workbook's Settings tab; the password is only ever read from the
# environment: keep it in a file only you can read, never in the crontab or the unit file).
# POFLOW_NO_EMAIL=1 skips the email; POFLOW_NO_REMIND=1 skips the reminders; POFLOW_CA_FILE trusts a
# private CA for the mail server.
# POFLOW_SYNC_WITH=OTHER (a gsheet:ID or another .xlsx) syncs WORKBOOK with OTHER first (`poflow sync`), so
# the night's reconciliation sees what was typed on the other side, and again at the end, so the other side
# sees the payments applied. A failed sync is logged and the reconciliation goes on with WORKBOOK; conflicts
# left by the sync count as "needs review" (1), a sync that could not act as 2.
set -uo pipefail

if [ "$#" -lt 2 ] || [ "$#" -gt 3 ]; then
  echo "usage: $(basename "$0") WORKBOOK BANK_DIR [REPORT_DIR]" >&2
  exit 64
fi
workbook=$1
bank_dir=${2%/}
report_dir=${3:-$bank_dir/reports}
report_dir=${report_dir%/}
read -r -a poflow <<<"${POFLOW:-poflow}"  # may be several words: "/opt/poflow/venv/bin/python -m poflow_sheets"
python=${PYTHON:-python3}

umask 077  # reports and the log hold customers' payments
if ! mkdir -p "$report_dir"; then
  echo "cannot create the report folder $report_dir" >&2
  exit 2
fi
log=$report_dir/poflow-nightly.log

say() {  # a timestamped line in the log, and on stderr for cron's mail or the journal
  printf '%s %s\n' "$(date '+%Y-%m-%dT%H:%M:%S%z')" "$*" | tee -a "$log" >&2
}

if [ ! -f "$workbook" ]; then
  say "error: workbook $workbook not found"
  exit 2
fi
if [ ! -d "$bank_dir" ]; then
  say "error: bank folder $bank_dir not found"
  exit 2
fi

# One run at a time: a slow run must not overlap the next night's (or a person's manual run).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$report_dir/.poflow-nightly.lock"
  if ! flock -n 9; then
    say "another nightly run is still going (lock $report_dir/.poflow-nightly.lock); nothing done"
    exit 3
  fi
fi

sync_with=${POFLOW_SYNC_WITH:-}
sync_rc=0
sync_books() {  # poflow sync WORKBOOK OTHER, when POFLOW_SYNC_WITH names the other side; $1: before|after
  local rc
  if [ -z "$sync_with" ]; then
    return 0
  fi
  say "start: ${poflow[*]} sync $workbook $sync_with ($1 the reconciliation)"
  "${poflow[@]}" sync "$workbook" "$sync_with" >>"$log" 2>&1
  rc=$?
  case $rc in
    0) say "sync: in step with $sync_with" ;;
    1) say "sync: conflicts left as they are on both sides (listed above in $log); a person settles them" ;;
    *) say "sync with $sync_with failed with exit status $rc; see the lines above in $log" ;;
  esac
  [ "$rc" -gt "$sync_rc" ] && sync_rc=$rc
  return 0
}
finish() {  # sync again (the other side sees today's payments), then exit with the worst status; $1: so far
  local rc=$1
  sync_books after
  [ "$sync_rc" -gt "$rc" ] && rc=$sync_rc
  exit "$rc"
}
sync_books before

if ! new_files=$("$python" -m poflow_sheets.schedule pending "$bank_dir" 2>>"$log"); then
  say "error: cannot list the new files in $bank_dir (see above)"
  exit 2
fi
remind() {  # the reminders due today, after the payments are in; $1: the reconciliation's status
  local rc=$1 rrc
  if [ "${POFLOW_NO_REMIND:-}" = "1" ]; then
    return "$rc"
  fi
  if [ "$rc" -gt 1 ]; then
    say "reminders skipped: the reconciliation did not finish (a payment may be unread)"
    return "$rc"
  fi
  say "start: ${poflow[*]} remind $workbook"
  "${poflow[@]}" remind "$workbook" >>"$log" 2>&1
  rrc=$?
  case $rrc in
    0) say "reminders: done" ;;
    1) say "reminders: some could not be sent (recorded in the Messages tab; tried again next run)" ;;
    *) say "reminders failed with exit status $rrc; see the lines above in $log" ;;
  esac
  [ "$rrc" -gt "$rc" ] && rc=$rrc
  return "$rc"
}

if [ -z "$new_files" ]; then
  say "no new bank files in $bank_dir; nothing to reconcile"
  remind 0
  finish $?
fi
say "new bank files: $(printf '%s' "$new_files" | tr '\n' ' ')"

report=$report_dir/reconcile-$(date +%F).xlsx
if [ -e "$report" ]; then  # a second run the same day keeps the first report
  report=$report_dir/reconcile-$(date +%F-%H%M%S).xlsx
fi
email=(--email)
if [ "${POFLOW_NO_EMAIL:-}" = "1" ]; then
  email=()
fi

say "start: ${poflow[*]} reconcile $workbook --folder $bank_dir --apply --report $report ${email[*]}"
# poflow reads only the new files of the folder and records them as processed after writing the workbook.
"${poflow[@]}" reconcile "$workbook" --folder "$bank_dir" --apply --report "$report" "${email[@]}" >>"$log" 2>&1
rc=$?
case $rc in
  0) say "done: every transaction settled or ignored; report $report" ;;
  1) say "done: some transactions need review; report $report" ;;
  *) say "failed with exit status $rc; see the lines above in $log" ;;
esac
remind "$rc"
finish $?
