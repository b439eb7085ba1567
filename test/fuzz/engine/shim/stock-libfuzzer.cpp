// Jazzer.js is written against Code Intelligence's fork of libFuzzer. Stock libFuzzer (Debian's
// libclang-rt-14-dev) differs in three ways, bridged here:
//  - the fork has comparison/indirect-call hooks that take the caller's PC explicitly; stock has
//    the plain variants. The PC only feeds the value profile (off by default), so comparison
//    feedback (TORC) is kept;
//  - the fork takes the crash dumper through __jazzer_set_death_callback; stock registers it
//    with the sanitizer runtime's weak hook, absent without a sanitizer, so we provide that hook;
//  - in the fork a callback result of -2 stops the fuzzing loop; stock ignores it and would keep
//    running after a finding (Jazzer.js has already printed it and written the input), then crash
//    on the half torn-down JavaScript state. Here -2 ends the process with Jazzer.js's finding code.
#include <cstdint>
#include <cstdlib>
#include <cstddef>

namespace fuzzer {
typedef int (*UserCallback)(const uint8_t *Data, size_t Size);
int FuzzerDriver(int *argc, char ***argv, UserCallback Callback);
} // namespace fuzzer

extern "C" {
void __sanitizer_cov_trace_const_cmp8(uint64_t arg1, uint64_t arg2);
void __sanitizer_cov_trace_pc_indir(uintptr_t callee);
void __jazzer_set_death_callback(void (*callback)());

void __sanitizer_cov_trace_const_cmp8_with_pc(uintptr_t, uint64_t arg1, uint64_t arg2) {
  __sanitizer_cov_trace_const_cmp8(arg1, arg2);
}

void __sanitizer_cov_trace_pc_indir_with_pc(void *, uintptr_t callee) { __sanitizer_cov_trace_pc_indir(callee); }

void __sanitizer_set_death_callback(void (*callback)()) { __jazzer_set_death_callback(callback); }
}

namespace {
const int kJazzerReturnExit = -2; // libfuzzer::RETURN_EXIT in Jazzer.js's shared/libfuzzer.h
const int kJazzerFindingExitCode = 77; // libfuzzer::EXIT_ERROR_CODE
fuzzer::UserCallback gCallback = nullptr;

int StopOnExit(const uint8_t *data, size_t size) {
  int r = gCallback(data, size);
  if (r == kJazzerReturnExit) _Exit(kJazzerFindingExitCode);
  return r;
}
} // namespace

namespace fuzzer {
int StockFuzzerDriver(int *argc, char ***argv, UserCallback callback) {
  gCallback = callback;
  return FuzzerDriver(argc, argv, StopOnExit);
}
} // namespace fuzzer
