#!/bin/sh
# Runs inside the guest (Linux or cellux) from /bb: busybox's suites, one
# result line per test, prefixed so the host can pick them out of a console:
#   BB ITEM <suite>/<applet or folder>   (a group of tests starts)
#   BB PASS <suite>/<test>   BB FAIL <suite>/<test>   BB SKIP <suite>/<test>
#   BB LOG <line>   (what a test printed: diffs, logs; a failing test's
#                    right after its FAIL line)
#   BB OOM          (fork failed with ENOMEM: the run stops there, so the
#                    host can go on from the last ITEM in a fresh boot)
#   BB DONE         (the last line when the run was not cut short)
#   guest-run.sh                         both suites whole
#   guest-run.sh testsuite APPLET...     those applets' tests of testsuite/
#   guest-run.sh ash_test DIR...         those folders of shell/ash_test/
# Both take the rest of the list: `testsuite A B ash_test D` runs A, B, D.

# Each line of a run, labelled; status 3 when the system ran out of memory.
label() {
    while IFS= read -r line; do
        case "$line" in
        *'Cannot allocate memory'*) echo "BB LOG $line"; echo "BB OOM"; exit 3 ;;
        'ITEM: '*) echo "BB ITEM $1/${line#ITEM: }" ;;
        'PASS: '*) echo "BB PASS $1/${line#PASS: }" ;;
        'FAIL: '*) echo "BB FAIL $1/${line#FAIL: }" ;;
        'SKIPPED: '*|'UNTESTED: '*) echo "BB SKIP $1/${line#*: }" ;;
        *': ok') echo "BB PASS $1/${line%: ok}" ;;
        *': fail')
            t=${line%: fail}
            echo "BB FAIL $1/$t"
            # run-all leaves DIR-NAME.fail (the diff or the output) behind.
            f="${t%%/*}-${t#*/}.fail"
            oom=
            if [ -f "$f" ]; then
                n=0
                while IFS= read -r l && [ $n -lt 40 ]; do
                    echo "BB LOG $l"
                    n=$((n + 1))
                    case "$l" in *'Cannot allocate memory'*) oom=1 ;; esac
                done < "$f"
            fi
            [ -z "$oom" ] || { echo "BB OOM"; exit 3; } ;;
        *) echo "BB LOG $line" ;;
        esac
    done
}

testsuite() {
    cd /bb/testsuite || exit 1
    # The wget tests' http://www.google.com/ is 127.0.0.1 (/etc/hosts,
    # tests/busybox/stage.sh): busybox httpd serves /bb/www there while the
    # suite runs. lo is down on Linux until someone brings it up.
    /bb/busybox ip link set lo up
    /bb/busybox httpd -f -p 127.0.0.1:80 -h /bb/www &
    httpd=$!
    # -v: testing.sh shows the diff of a failed case after its FAIL line.
    bindir=/bb tsdir=/bb/testsuite ./runtest -v "$@" 2>&1 | label testsuite
    st=$?
    kill $httpd
    return $st
}

ash_test() {
    cd /bb/shell/ash_test || exit 1
    rm -f ./*.fail
    [ $# -gt 0 ] || set -- ash-*
    for d in "$@"; do
        echo "ITEM: $d"
        ./run-all "$d" 2>&1
    done | label ash_test
}

# No list: every applet busybox has (runtest's own default), every folder.
[ $# -gt 0 ] || set -- testsuite ash_test
# Split the list at the suite names and run each part.
while [ $# -gt 0 ]; do
    suite=$1
    shift
    n=0
    for a in "$@"; do
        case "$a" in testsuite|ash_test) break ;; esac
        n=$((n + 1))
    done
    args=
    i=0
    while [ $i -lt $n ]; do args="$args $1"; shift; i=$((i + 1)); done
    case "$suite" in
    testsuite) (testsuite $args) ;;
    ash_test) (ash_test $args) ;;
    *) echo "BB LOG unknown suite $suite"; false ;;
    esac
    [ $? -eq 3 ] && exit 3
done
echo "BB DONE"
