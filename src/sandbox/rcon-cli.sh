#!/bin/sh
# The sandbox's stand-in for itzg's `rcon-cli` (minecraft-java) and `send-command`
# (minecraft-bedrock). KWOK runs it for `pods/exec` of any pod (see kwok-debugging.ts):
# it answers like a Minecraft server would and appends what the server would log to
# $SANDBOX_GAME_LOG, the file `pods/log` serves for game-server containers.
# Answers: list, say <text>, save-off, save-all [flush], save-on; anything else is unknown.
set -eu

log="${SANDBOX_GAME_LOG:?SANDBOX_GAME_LOG is not set}"
# send-command answers nothing (Bedrock's console has no reply channel); rcon-cli prints the reply.
quiet=false
[ "$(basename "$0")" = "send-command" ] && quiet=true

emit() { # emit TEXT: one CRI-format log line
  printf '%s stdout F [Server thread/INFO]: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)" "$1" >>"$log"
}
reply() { # reply TEXT: what rcon-cli prints, also logged as the server does for RCON
  [ "$quiet" = true ] || printf '%s\n' "$1"
}

[ "$#" -gt 0 ] || { echo "usage: rcon-cli COMMAND [ARG...]" >&2; exit 2; }
command="$1"
shift
case "$command" in
  list)
    reply "There are 2 of a max of 20 players online: Alex, Steve"
    ;;
  say)
    emit "[Rcon] $*"
    ;;
  save-off)
    emit "Automatic saving is now disabled"
    reply "Automatic saving is now disabled"
    ;;
  save-all)
    emit "Saving the game (this may take a moment!)"
    emit "Saved the game"
    reply "Saving the game (this may take a moment!)Saved the game"
    ;;
  save-on)
    emit "Automatic saving is now enabled"
    reply "Automatic saving is now enabled"
    ;;
  *)
    reply "Unknown or incomplete command, see below for error"
    ;;
esac
