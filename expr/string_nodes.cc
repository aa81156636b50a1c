// String functions: concat, substr, split_index, split_part, strpos, starts_with, replace.
//
// Strings are bytes: positions and lengths count bytes, and UTF-8 is not interpreted. A null
// argument makes the row null. Results are appended straight into the output column's buffer;
// nothing is allocated per row.
#include <algorithm>

#include "expr/node.h"

namespace sluice::expr {
namespace {

// Begins a string result of n rows whose validity is the AND of the given arrays.
void StartStrings(Column* out, size_t n, std::initializer_list<const uint8_t*> valids) {
  ResetColumn(out, Type::kString, n);
  for (const uint8_t* v : valids) AndValidInto(n, v, &out->valid);
}

inline bool Ok(const std::vector<uint8_t>& valid, size_t i) { return valid.empty() || valid[i]; }

// Bytes of a string operand over n rows, for reserving the output.
size_t Bytes(const Str& s, size_t n) { return s.col ? s.col->chars.size() : s.c.size() * n; }

class ConcatN final : public Node {
 public:
  explicit ConcatN(std::vector<NodePtr> args) : Node(Type::kString), args_(std::move(args)) {}

  void Eval(const Batch& batch, Column* out) const override {
    const size_t n = batch.size();
    std::vector<Str> in(args_.size());
    ResetColumn(out, Type::kString, n);
    size_t bytes = 0;
    for (size_t k = 0; k < args_.size(); ++k) {
      LoadStr(*args_[k], batch, &in[k]);
      AndValidInto(n, in[k].valid, &out->valid);
      bytes += Bytes(in[k], n);
    }
    out->chars.reserve(bytes);
    for (size_t i = 0; i < n; ++i) {
      if (Ok(out->valid, i)) {
        for (const Str& s : in) out->chars.append(s.at(i));
      }
      out->offsets[i + 1] = static_cast<uint32_t>(out->chars.size());
    }
  }

 private:
  const std::vector<NodePtr> args_;
};

class Substr final : public Node {
 public:
  Substr(NodePtr s, NodePtr start, NodePtr len)
      : Node(Type::kString), s_(std::move(s)), start_(std::move(start)), len_(std::move(len)) {}

  void Eval(const Batch& batch, Column* out) const override {
    const size_t n = batch.size();
    Str s;
    Num<int64_t> start, len;
    LoadStr(*s_, batch, &s);
    LoadNum(*start_, batch, &start);
    if (len_) LoadNum(*len_, batch, &len);
    StartStrings(out, n, {s.valid, start.valid, len_ ? len.valid : nullptr});
    out->chars.reserve(Bytes(s, n));
    for (size_t i = 0; i < n; ++i) {
      if (Ok(out->valid, i)) {
        const int64_t b = start.data ? start.data[i] : start.c;
        const int64_t l = !len_ ? INT64_MAX : (len.data ? len.data[i] : len.c);
        if (l < 0) {
          SetNull(n, i, &out->valid);
        } else {
          out->chars.append(Cut(s.at(i), b, l));
        }
      }
      out->offsets[i + 1] = static_cast<uint32_t>(out->chars.size());
    }
  }

 private:
  // Flink's SUBSTR over bytes: start 1 is the first byte, 0 counts as 1, a negative start counts
  // from the end (-1 is the last byte); a start past either end gives ''. REQUIRES: len >= 0.
  static std::string_view Cut(std::string_view s, int64_t start, int64_t len) {
    const int64_t size = static_cast<int64_t>(s.size());
    int64_t from;
    if (start > 0) {
      if (start > size) return {};
      from = start - 1;
    } else if (start < 0) {
      if (start < -size) return {};
      from = size + start;
    } else {
      from = 0;
    }
    return s.substr(static_cast<size_t>(from), static_cast<size_t>(std::min(len, size - from)));
  }

  const NodePtr s_, start_, len_;
};

class Split final : public Node {
 public:
  Split(bool part, NodePtr s, NodePtr sep, NodePtr index)
      : Node(Type::kString),
        part_(part),
        s_(std::move(s)),
        sep_(std::move(sep)),
        index_(std::move(index)) {}

  void Eval(const Batch& batch, Column* out) const override {
    const size_t n = batch.size();
    Str s, sep;
    Num<int64_t> index;
    LoadStr(*s_, batch, &s);
    LoadStr(*sep_, batch, &sep);
    LoadNum(*index_, batch, &index);
    StartStrings(out, n, {s.valid, sep.valid, index.valid});
    for (size_t i = 0; i < n; ++i) {
      if (Ok(out->valid, i)) {
        const int64_t k = index.data ? index.data[i] : index.c;
        std::string_view piece;
        const bool found =
            part_ ? Part(s.at(i), sep.at(i), k, &piece) : Index(s.at(i), sep.at(i), k, &piece);
        if (found) {
          out->chars.append(piece);
        } else {
          SetNull(n, i, &out->valid);
        }
      }
      out->offsets[i + 1] = static_cast<uint32_t>(out->chars.size());
    }
  }

 private:
  // Piece k (0-based) of s split at every sep; false when there is none. An empty sep leaves s
  // whole as piece 0.
  static bool Nth(std::string_view s, std::string_view sep, int64_t k, std::string_view* piece) {
    if (k < 0) return false;
    size_t from = 0;
    for (int64_t j = 0; j < k; ++j) {
      const size_t at = sep.empty() ? std::string_view::npos : s.find(sep, from);
      if (at == std::string_view::npos) return false;
      from = at + sep.size();
    }
    const size_t end = sep.empty() ? std::string_view::npos : s.find(sep, from);
    *piece = s.substr(from, end == std::string_view::npos ? s.size() - from : end - from);
    return true;
  }

  // split_index: Flink's SPLIT_INDEX; the empty string has no pieces.
  static bool Index(std::string_view s, std::string_view sep, int64_t k, std::string_view* piece) {
    return !s.empty() && Nth(s, sep, k, piece);
  }

  // split_part: PostgreSQL's; a missing field is '' and field 0 is null.
  static bool Part(std::string_view s, std::string_view sep, int64_t k, std::string_view* piece) {
    if (k == 0) return false;
    *piece = {};
    if (s.empty()) return true;
    if (k < 0) {
      int64_t count = 1;
      if (!sep.empty()) {
        for (size_t at = s.find(sep); at != std::string_view::npos;
             at = s.find(sep, at + sep.size())) {
          ++count;
        }
      }
      if (k < -count) return true;
      k = count + k + 1;
    }
    if (!Nth(s, sep, k - 1, piece)) *piece = {};
    return true;
  }

  const bool part_;
  const NodePtr s_, sep_, index_;
};

class Strpos final : public Node {
 public:
  Strpos(NodePtr s, NodePtr sub) : Node(Type::kInt64), s_(std::move(s)), sub_(std::move(sub)) {}

  void Eval(const Batch& batch, Column* out) const override {
    const size_t n = batch.size();
    Str s, sub;
    LoadStr(*s_, batch, &s);
    LoadStr(*sub_, batch, &sub);
    ResetColumn(out, Type::kInt64, n);
    AndValid(n, s.valid, sub.valid, &out->valid);
    int64_t* o = out->i64.data();
    for (size_t i = 0; i < n; ++i) {
      const size_t at = s.at(i).find(sub.at(i));
      o[i] = at == std::string_view::npos ? 0 : static_cast<int64_t>(at) + 1;
    }
  }

 private:
  const NodePtr s_, sub_;
};

class StartsWith final : public Node {
 public:
  StartsWith(NodePtr s, NodePtr prefix)
      : Node(Type::kBool), s_(std::move(s)), prefix_(std::move(prefix)) {}

  void Eval(const Batch& batch, Column* out) const override {
    const size_t n = batch.size();
    Str s, p;
    LoadStr(*s_, batch, &s);
    LoadStr(*prefix_, batch, &p);
    ResetColumn(out, Type::kBool, n);
    AndValid(n, s.valid, p.valid, &out->valid);
    int64_t* o = out->i64.data();
    for (size_t i = 0; i < n; ++i) o[i] = s.at(i).starts_with(p.at(i));
  }

 private:
  const NodePtr s_, prefix_;
};

class Replace final : public Node {
 public:
  Replace(NodePtr s, NodePtr from, NodePtr to)
      : Node(Type::kString), s_(std::move(s)), from_(std::move(from)), to_(std::move(to)) {}

  void Eval(const Batch& batch, Column* out) const override {
    const size_t n = batch.size();
    Str s, from, to;
    LoadStr(*s_, batch, &s);
    LoadStr(*from_, batch, &from);
    LoadStr(*to_, batch, &to);
    StartStrings(out, n, {s.valid, from.valid, to.valid});
    out->chars.reserve(Bytes(s, n));
    for (size_t i = 0; i < n; ++i) {
      if (Ok(out->valid, i)) {
        const std::string_view v = s.at(i), f = from.at(i), t = to.at(i);
        size_t pos = 0;
        if (!f.empty()) {
          for (size_t at = v.find(f); at != std::string_view::npos; at = v.find(f, pos)) {
            out->chars.append(v.substr(pos, at - pos));
            out->chars.append(t);
            pos = at + f.size();
          }
        }
        out->chars.append(v.substr(pos));
      }
      out->offsets[i + 1] = static_cast<uint32_t>(out->chars.size());
    }
  }

 private:
  const NodePtr s_, from_, to_;
};

}  // namespace

NodePtr MakeConcatN(std::vector<NodePtr> args) {
  return std::make_unique<ConcatN>(std::move(args));
}
NodePtr MakeSubstr(NodePtr s, NodePtr start, NodePtr len) {
  return std::make_unique<Substr>(std::move(s), std::move(start), std::move(len));
}
NodePtr MakeSplit(bool part, NodePtr s, NodePtr sep, NodePtr index) {
  return std::make_unique<Split>(part, std::move(s), std::move(sep), std::move(index));
}
NodePtr MakeStrpos(NodePtr s, NodePtr sub) {
  return std::make_unique<Strpos>(std::move(s), std::move(sub));
}
NodePtr MakeStartsWith(NodePtr s, NodePtr prefix) {
  return std::make_unique<StartsWith>(std::move(s), std::move(prefix));
}
NodePtr MakeReplace(NodePtr s, NodePtr from, NodePtr to) {
  return std::make_unique<Replace>(std::move(s), std::move(from), std::move(to));
}

}  // namespace sluice::expr
