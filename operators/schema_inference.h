// Schema inference: the fields and types of a CSV or JSON-lines input, guessed from its first
// records, for commands that read a file without a declared schema (`sluice log append`).
//
// Every value sampled is classified as the narrowest type whose parser (operators/record_parse.h,
// the sources' own) accepts it: bool (true/false in any case), int64, double, an ISO-8601
// timestamp ("timestamp"), else string; an empty CSV field or a JSON null says nothing. A field's
// type is the one type all its values share, int64 widened to double when both occur, and string
// for any other mix or when no value was seen. Numbers are never taken for epoch timestamps:
// declare those (`--schema ts:timestamp_ms`).
//
// CSV: the header line names the fields, in order. JSON lines: fields in the order their keys
// first appear; a nested object or array makes its field a string. Malformed records are skipped
// (the source dead-letters them when it reads).
#pragma once

#include <cstddef>
#include <string_view>

#include "base/status.h"
#include "base/types.h"

namespace sluice {

struct InferredSchema {
  Schema schema;
  size_t records = 0;  // records sampled (header excluded)
};

// `sample` is the start of the input (at most `max_records` records are used); with at_eof it is
// the whole input, otherwise a last record without its line end is ignored. InvalidArgument when
// the sample holds no header (CSV), no object (JSON lines) or a header with an empty or repeated
// name.
Result<InferredSchema> InferCsvSchema(std::string_view sample, bool at_eof, size_t max_records,
                                      char delim = ',');
Result<InferredSchema> InferJsonlSchema(std::string_view sample, bool at_eof, size_t max_records);

}  // namespace sluice
