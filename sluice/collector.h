// Collector: an in-memory sink target for tests and C++ users.
//
// Thread-safe: the sink appends from the graph while the owner may read after Run() returns.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "base/types.h"

namespace sluice {

struct Batch;

class Collector {
 public:
  // Called by the sink once, before any rows.
  void SetSchema(const Schema& schema);
  void Append(const Batch& batch);  // engine side: the collector sink

  Schema schema() const;
  // Rows in arrival order.
  std::vector<std::vector<Value>> rows() const;
  // Rows sorted by their text form, for order-insensitive comparison.
  std::vector<std::vector<Value>> sorted_rows() const;
  // Each row as "v1,v2,..." (Value::ToString), sorted.
  std::vector<std::string> sorted_lines() const;
  size_t size() const;
  void Clear();

 private:
  mutable std::mutex mu_;
  Schema schema_;
  std::vector<std::vector<Value>> rows_;
};

}  // namespace sluice
