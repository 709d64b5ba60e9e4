#!/bin/sh
# Runs a test in a D-Bus session of its own with an unlocked GNOME Keyring (a real Secret Service)
# in a temporary home, so keychain tests never touch the user's keyring; stops both afterwards.
# Needs dbus-daemon, dbus-bin and gnome-keyring (packaging/dev.sh installs them).
set -eu
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export HOME="$home" XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config" XDG_RUNTIME_DIR="$home/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
dbus-run-session -- sh -c '
    printf costgov-test | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
    keyring=$!
    i=0
    until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
            org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true; do
        i=$((i + 1))
        [ "$i" -lt 100 ] || { echo "with-keyring.sh: the keyring did not start" >&2; break; }
        sleep 0.1
    done
    status=0
    "$@" || status=$?
    kill "$keyring" 2>/dev/null || true
    wait "$keyring" 2>/dev/null || true
    exit "$status"
' sh "$@"
