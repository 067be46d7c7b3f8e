# Sourced by scripts/run, scripts/bench-cellux-kernel and tests/suites/20-kernel:
# boots the cellux kernel with a boot archive in QEMU (TCG), serial on stdout.
# cellux_qemu SECONDS KERNEL ARCHIVE [extra qemu args...]
# Exit status: 0 when the system powered off with success, 1 on failure
# (failed tests, a refused boot), 2 when a component the system cannot go
# on without (the LKL server, the scheduler) faulted or panicked, 3 when
# the kernel itself faulted or panicked, 124 on timeout.
# With CELLUX_CONSOLE_INPUT=1 the caller's standard input is typed into the
# console (COM1), and ^C reaches the guest instead of stopping QEMU;
# otherwise the console gets no input. CELLUX_CONSOLE_FROM=FILE types
# FILE's bytes instead of standard input's (scripts/run's answering FIFO).
cellux_qemu() {
    local secs=$1 kernel=$2 archive=$3
    shift 3
    local console=(-serial stdio) input=/dev/null
    if [ "${CELLUX_CONSOLE_INPUT:-}" = 1 ]; then
        console=(-chardev stdio,id=console,signal=off -serial chardev:console)
        input=${CELLUX_CONSOLE_FROM:-/dev/stdin}
    fi
    # The machine flags are scripts/lib.sh's, shared with the Linux baseline.
    timeout --foreground -k 5 "$secs" qemu-system-x86_64 $(cellux_qemu_machine) \
        "${console[@]}" -no-reboot \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -kernel "$kernel" -initrd "$archive" "$@" <"$input"
    local rc=$?
    case $rc in
        33) return 0 ;;   # isa-debug-exit with the success code (0x10)
        37) return 2 ;;   # COMPONENT_FAULT (0x12)
        39) return 3 ;;   # KERNEL_FAULT (0x13)
        124) return 124 ;;
        *) return 1 ;;
    esac
}
