#!/bin/sh
# Runs inside the guest (Linux or cellux) from /bb: both busybox suites,
# one result line each, prefixed so the host can pick them out of a console.
#   BB PASS <suite>/<test>   BB FAIL <suite>/<test>   BB SKIP <suite>/<test>
cd /bb/testsuite || exit 1
bindir=/bb tsdir=/bb/testsuite ./runtest 2>&1 | sed -n \
    -e 's#^PASS: \(.*\)#BB PASS testsuite/\1#p' \
    -e 's#^FAIL: \(.*\)#BB FAIL testsuite/\1#p' \
    -e 's#^SKIPPED: \(.*\)#BB SKIP testsuite/\1#p' \
    -e 's#^UNTESTED: \(.*\)#BB SKIP testsuite/\1#p'
cd /bb/shell/ash_test || exit 1
./run-all 2>&1 | sed -n \
    -e 's#^\(.*\): ok$#BB PASS ash_test/\1#p' \
    -e 's#^\(.*\): fail$#BB FAIL ash_test/\1#p'
echo "BB DONE"
