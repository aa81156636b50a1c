// Fuzz target: a CSV file (header line, then records) read into batches by the csv source,
// then read again from a saved position. Malformed records become dead letters, never crashes.
#include "fuzz/source_driver.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return sluice::fuzz::RunSource("csv", data, size);
}
