// Fuzz target: a JSON-lines file read into batches by the jsonl source, then read again from a
// saved position. Malformed lines become dead letters, never crashes.
#include "fuzz/source_driver.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return sluice::fuzz::RunSource("jsonl", data, size);
}
