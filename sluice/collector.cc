#include "sluice/collector.h"

#include "base/batch.h"

#include <algorithm>

namespace sluice {

void Collector::SetSchema(const Schema& schema) {
  std::lock_guard<std::mutex> l(mu_);
  schema_ = schema;
}

void Collector::Append(const Batch& batch) {
  std::lock_guard<std::mutex> l(mu_);
  for (size_t r = 0; r < batch.size(); ++r) rows_.push_back(batch.row(r));
}

Schema Collector::schema() const {
  std::lock_guard<std::mutex> l(mu_);
  return schema_;
}

std::vector<std::vector<Value>> Collector::rows() const {
  std::lock_guard<std::mutex> l(mu_);
  return rows_;
}

std::vector<std::string> Collector::sorted_lines() const {
  std::vector<std::string> out;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& row : rows_) {
      std::string line;
      for (size_t i = 0; i < row.size(); ++i) {
        if (i) line += ',';
        line += row[i].ToString();
      }
      out.push_back(std::move(line));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::vector<Value>> Collector::sorted_rows() const {
  auto r = rows();
  std::sort(r.begin(), r.end(), [](const auto& a, const auto& b) {
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
      std::string x = a[i].ToString(), y = b[i].ToString();
      if (x != y) return x < y;
    }
    return a.size() < b.size();
  });
  return r;
}

size_t Collector::size() const {
  std::lock_guard<std::mutex> l(mu_);
  return rows_.size();
}

void Collector::Clear() {
  std::lock_guard<std::mutex> l(mu_);
  rows_.clear();
}

}  // namespace sluice
