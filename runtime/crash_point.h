// Crash injection for the crash tests (tests/crash, scripts/crash-test): the environment variable
// SLUICE_CRASH_AT="<point>[:<n>]" makes the process kill itself with SIGKILL the n-th time (default
// the first) it reaches the named point. Points:
//   checkpoint-before-sync    a checkpoint starts: sinks are not yet flushed
//   checkpoint-before-commit  sinks are durable, the checkpoint transaction has not committed
//   checkpoint-after-commit   the checkpoint committed, sinks not yet told
//   finish-before-close       the final checkpoint committed, output files not yet renamed
//   finish-before-mark        output files renamed, the run not yet marked complete
//   log-append-before-commit  `sluice log append`: a batch is encoded, its transaction not begun
//   log-append-after-commit   `sluice log append`: a batch and the input position committed,
//                             the batch's dead letters not yet written
//   log-append-after-dead-letters  `sluice log append`: a batch's dead letters written
// A name not in this list is refused when the program starts (base/fault_injection.h, which also
// injects write failures: SLUICE_FAIL_AT). Unset (the normal case), CrashPoint costs one relaxed
// load.
#pragma once

namespace sluice {

void CrashPoint(const char* point);

}  // namespace sluice
