// LookupJoin: joins each row of a stream with the rows of a static side table of equal key.
//
// The table is a csv or jsonl file read once, when the pipeline is planned (LoadLookupTable), and
// kept in memory, indexed by the encoding of its key fields (base/key.h). Per batch, each row's
// key is looked up and the output is built column-wise: the row's fields, then the table's.
// Semantics are SQL's: a key held by k table rows gives k output rows (in table order); a row
// without a match is dropped (inner) or kept once with the table's fields null (left); a row
// with a null key field, like a table row with one, matches nothing. Every output row keeps its
// input row's event time, watermark and merged position (ts, wm, pos).
//
// Thread-safe: the table is immutable after construction and Apply is const.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/container/inlined_vector.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/batch.h"
#include "operators/transform.h"
#include "sluice/pipeline_spec.h"

namespace sluice {

// A side table as loaded: its rows (columns of `schema`) and a hash of the file's bytes.
struct LookupTable {
  Schema schema;
  Batch rows;
  std::string digest;  // 16 hex digits of the xxh3-64 of the file's content
};

// The format a table is read in: `format` when given, else from the path's extension (.csv;
// .jsonl, .ndjson, .json). InvalidArgument when neither says.
Result<std::string> LookupTableFormat(const LookupTableSpec& spec);

// Reads the whole table. A file that cannot be read is an IOError naming it; a malformed line
// (a value that does not parse as its field's type, a csv record with the wrong number of fields,
// a jsonl line that is not an object) is InvalidArgument "<path>:<line>: <reason>"; a side table
// is configuration, so no line of it becomes a dead letter. Standard input ("-") and what is
// not a regular file (a device, a pipe) are refused.
Status LoadLookupTable(const LookupTableSpec& spec, LookupTable* out);

class LookupJoin final : public Transform {
 public:
  // `key`: the stream's key columns; `table_key`: the table's, of the same count and types.
  // REQUIRES: type is kInner or kLeft.
  LookupJoin(LookupTable table, std::vector<int> key, std::vector<int> table_key, JoinType type);

  Status Apply(Batch* batch) const override;

  // Table rows indexed (those with no null key field).
  size_t indexed_rows() const { return indexed_; }

 private:
  LookupTable table_;
  std::vector<int> key_;
  bool left_;
  // Encoded key -> the table rows that hold it, in table order.
  absl::flat_hash_map<std::string, absl::InlinedVector<uint32_t, 1>> index_;
  size_t indexed_ = 0;
};

}  // namespace sluice
