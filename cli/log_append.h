// `sluice log append`: one event per record of a csv or JSON-lines file (docs/log.md).
//
// Resumable: the transaction that appends a batch of events also records how far the input was
// read, in the log's "append.inputs" database, under (stream, event type, absolute input path),
// with a hash of the bytes read so far. A run that finds such a record, over an input that still
// starts with those bytes, goes on from there: an append that was killed or failed and is run
// again stores each record once, and a run over an input that grew appends only the new records.
// A file that does not start with them is another input under the same name, appended whole.
// Standard input cannot be resumed: when such an append fails it says how much it committed.
#pragma once

#include <string>

namespace sluice::cli {

struct AppendArgs {
  std::string log, stream, type, format, schema, event_time, dead_letter, input = "-";
  size_t batch_size = 4096;          // rows per commit
  std::string compression = "none";  // of the appended batches: none or zstd
  int compression_level = 1;
  bool from_scratch = false;  // ignore what earlier runs recorded of this input
};

// Returns the process exit code (0 ok, 1 failure, 2 bad usage); messages go to stderr.
int RunAppend(const AppendArgs& args);

}  // namespace sluice::cli
