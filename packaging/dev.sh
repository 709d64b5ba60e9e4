#!/usr/bin/env bash
# Set up, build and run Cost Governor on Debian 12.
#
#   packaging/dev.sh run [costgov options]   install what is missing, build, start the desktop app
#   packaging/dev.sh test [ctest options]    install what is missing, build, run the whole test suite
#   packaging/dev.sh build                   install what is missing and build
#
# Debian packages are installed with apt-get (through sudo when not root). The build goes to
# ./build (override with COSTGOV_BUILD_DIR) through ccache and Ninja. `test` starts its own Xvfb
# and a tray host (trayer) for the GUI tests and stops them afterwards.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${COSTGOV_BUILD_DIR:-$repo/build}"
mode="${1:-}"
[[ $# -gt 0 ]] && shift

build_packages=(
    cmake ninja-build g++ ccache pkg-config
    qt6-base-dev qt6-charts-dev libqt6opengl6-dev libgl-dev libqt6sql6-sqlite
    qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools qt6-translations-l10n qt6-qpa-plugins
    nlohmann-json3-dev libsimdjson-dev libsqlite3-dev fonts-dejavu-core
    qtkeychain-qt6-dev libsecret-1-0 libcpp-httplib-dev
)
test_packages=(xvfb xauth trayer sqlite3 dbus-daemon dbus-bin gnome-keyring poppler-utils openssl)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

install_missing() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [[ ${#missing[@]} -eq 0 ]] && return
    say "Installing ${missing[*]}"
    local sudo=()
    [[ $(id -u) -ne 0 ]] && sudo=(sudo)
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build_project() {
    say "Building in $build"
    # Paths relative to the clone, so ccache hits whatever folder the clone lives in.
    export CCACHE_BASEDIR="$repo"
    local cores
    cores="$(nproc)"
    if [[ ! -f "$build/CMakeCache.txt" ]]; then
        cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_COMPILE_WARNING_AS_ERROR=ON
    fi
    cmake --build "$build" --parallel "$cores"
}

# Starts Xvfb on a free display and a tray host on it; stop_display undoes both.
xvfb_pid=""
tray_pid=""
start_display() {
    local fifo
    fifo="$(mktemp -u)"
    mkfifo "$fifo"
    Xvfb -displayfd 3 -screen 0 1600x1000x24 -nolisten tcp 3>"$fifo" >/dev/null 2>&1 &
    xvfb_pid=$!
    local number
    read -r -t 30 number <"$fifo" || { say "Xvfb did not start"; rm -f "$fifo"; return 1; }
    rm -f "$fifo"
    export DISPLAY=":$number"
    trayer --edge top --align right --widthtype request --height 24 --transparent false >/dev/null 2>&1 &
    tray_pid=$!
    sleep 0.5 # trayer claims the system-tray selection; tray tests still wait for it themselves
    say "Xvfb on $DISPLAY with trayer"
}
stop_display() {
    [[ -n "$tray_pid" ]] && kill "$tray_pid" 2>/dev/null || true
    [[ -n "$xvfb_pid" ]] && kill "$xvfb_pid" 2>/dev/null || true
    wait 2>/dev/null || true
}

case "$mode" in
build)
    install_missing "${build_packages[@]}"
    build_project
    ;;
run)
    headless=""
    [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]] && headless=1
    install_missing "${build_packages[@]}" ${headless:+xvfb xauth}
    build_project
    if [[ -n "$headless" ]]; then
        say "No display here. Start the app in a virtual X server:"
        echo "    xvfb-run -a $build/bin/costgov" >&2
        say "or use the command line, e.g.:"
        echo "    $build/bin/costgovctl import ~/logs && $build/bin/costgovctl report --by team,model" >&2
        exit 0
    fi
    exec "$build/bin/costgov" "$@"
    ;;
test)
    install_missing "${build_packages[@]}" "${test_packages[@]}"
    build_project
    trap stop_display EXIT
    start_display
    say "Running the tests"
    ctest --test-dir "$build" --output-on-failure --timeout 900 "$@"
    ;;
*)
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
