#!/usr/bin/env bash
# Keep a workbook and its other side in step, for cron or a systemd timer:
#
#   sync.sh LEFT RIGHT [LOG_DIR]
#
# Runs `poflow sync LEFT RIGHT` (each an .xlsx or a Google Sheet as gsheet:ID) and appends what it printed,
# with a timestamped verdict, to LOG_DIR/poflow-sync.log (LOG_DIR defaults to the folder of LEFT, or of
# RIGHT, whichever is a file; else ~/.local/state/poflow). A sync never overwrites what a person typed: a cell
# changed on both sides since the last sync is a conflict, listed in the log and left as it is on both sides
# until a person makes the two agree. One run at a time (flock on LOG_DIR/.poflow-sync.lock).
#
# Exit status (poflow sync's): 0 in step; 1 conflicts left as they are (the log lists them); 2 poflow could
# not act (a side unreadable, open in Excel, changed while poflow read it, Google unreachable: nothing was
# written, or, when it stopped after the first side, the next run finishes it); 3 another sync is still
# going; 64 wrong arguments.
#
# Environment: POFLOW (the poflow command, default `poflow`; may be several words) and, for a Google Sheet,
# POFLOW_GOOGLE_CREDENTIALS (a service-account key file only this user can read).
set -uo pipefail

if [ "$#" -lt 2 ] || [ "$#" -gt 3 ]; then
  echo "usage: $(basename "$0") LEFT RIGHT [LOG_DIR]" >&2
  exit 64
fi
left=$1
right=$2
case $left in
  gsheet:*|https://*) case $right in
      gsheet:*|https://*) default_dir=${XDG_STATE_HOME:-$HOME/.local/state}/poflow ;;
      *) default_dir=$(dirname -- "$right") ;;
    esac ;;
  *) default_dir=$(dirname -- "$left") ;;
esac
log_dir=${3:-$default_dir}
log_dir=${log_dir%/}
read -r -a poflow <<<"${POFLOW:-poflow}"

umask 077  # the log holds customers' orders
if ! mkdir -p "$log_dir"; then
  echo "cannot create the log folder $log_dir" >&2
  exit 2
fi
log=$log_dir/poflow-sync.log

say() {  # a timestamped line in the log, and on stderr for cron's mail or the journal
  printf '%s %s\n' "$(date '+%Y-%m-%dT%H:%M:%S%z')" "$*" | tee -a "$log" >&2
}

if command -v flock >/dev/null 2>&1; then
  exec 9>"$log_dir/.poflow-sync.lock"
  if ! flock -n 9; then
    say "another sync is still going (lock $log_dir/.poflow-sync.lock); nothing done"
    exit 3
  fi
fi

say "start: ${poflow[*]} sync $left $right"
"${poflow[@]}" sync "$left" "$right" >>"$log" 2>&1
rc=$?
case $rc in
  0) say "done: in step" ;;
  1) say "done: conflicts left as they are on both sides; see the lines above in $log" ;;
  *) say "failed with exit status $rc; see the lines above in $log" ;;
esac
exit "$rc"
