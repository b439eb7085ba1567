// Stand-in for compiler-rt's internal lib/fuzzer/FuzzerDefs.h, which Debian's libclang-rt-14-dev
// does not ship. Jazzer.js's addon needs only these declarations; FuzzerDriver matches the
// symbol in libclang_rt.fuzzer_no_main-x86_64.a.
#pragma once
#include <cstddef>
#include <cstdint>

namespace fuzzer {
typedef int (*UserCallback)(const uint8_t *Data, size_t Size);
int FuzzerDriver(int *argc, char ***argv, UserCallback Callback);
// Jazzer.js's call goes through stock-libfuzzer.cpp (see the macro below).
int StockFuzzerDriver(int *argc, char ***argv, UserCallback Callback);
} // namespace fuzzer

#define FuzzerDriver StockFuzzerDriver
