// Stand-in for compiler-rt's internal lib/fuzzer/FuzzerDefs.h, which Debian's libclang-rt-14-dev
// does not ship. Jazzer.js's addon needs only these two declarations; both match the symbols in
// libclang_rt.fuzzer_no_main-x86_64.a.
#pragma once
#include <cstddef>
#include <cstdint>

namespace fuzzer {
typedef int (*UserCallback)(const uint8_t *Data, size_t Size);
int FuzzerDriver(int *argc, char ***argv, UserCallback Callback);
} // namespace fuzzer
