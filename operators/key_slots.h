// KeySlots: the keys of one window, numbered 0, 1, 2, ... in the order they were first seen, with
// their encoded bytes in one arena. Lookups use the key hash the router already computed. Keys are
// never removed one by one: the whole set is cleared (keeping its memory) when its window is
// dropped, so a stream whose keys change from window to window pays no eviction. Not
// thread-safe; neither copyable nor movable (the index's equality reads the arena through a
// pointer).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_set.h>

#include "operators/key_dictionary.h"

namespace sluice {

class KeySlots {
 public:
  KeySlots() : index_(0, Hash{}, Eq{this}) {}
  KeySlots(const KeySlots&) = delete;
  KeySlots& operator=(const KeySlots&) = delete;

  // The slot of `key`, numbering it size() when new (*inserted is then true).
  // REQUIRES: hash == HashKey(key).
  uint32_t FindOrInsert(std::string_view key, uint64_t hash, bool* inserted) {
    const KeyProbe p(key, hash);
    auto it = index_.find(p);
    *inserted = it == index_.end();
    if (!*inserted) return it->slot;
    const uint32_t slot = size();
    bytes_.append(key);
    ends_.push_back(bytes_.size());
    index_.insert(Entry{p.hash, p.head, p.tail, static_cast<uint32_t>(key.size()), slot});
    return slot;
  }
  static constexpr uint32_t kNone = UINT32_MAX;
  // The slot of `key`, or kNone. REQUIRES: hash == HashKey(key).
  uint32_t Find(std::string_view key, uint64_t hash) const {
    auto it = index_.find(KeyProbe(key, hash));
    return it == index_.end() ? kNone : it->slot;
  }
  std::string_view key(uint32_t slot) const {
    const size_t begin = slot == 0 ? 0 : ends_[slot - 1];
    return std::string_view(bytes_).substr(begin, ends_[slot] - begin);
  }
  uint32_t size() const { return static_cast<uint32_t>(ends_.size()); }
  // Room for `n` keys without growing.
  void reserve(size_t n) { index_.reserve(n); }
  // Forgets every key; the arena keeps its capacity.
  void Clear() {
    index_.clear();
    bytes_.clear();
    ends_.clear();
  }

 private:
  // A key as KeyProbe describes it, and its slot.
  struct Entry {
    uint64_t hash;
    uint64_t head, tail;
    uint32_t size;
    uint32_t slot;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(const Entry& e) const { return e.hash; }
    size_t operator()(const KeyProbe& p) const { return p.hash; }
  };
  struct Eq {
    using is_transparent = void;
    const KeySlots* owner;
    bool operator()(const Entry& a, const Entry& b) const { return a.slot == b.slot; }
    bool operator()(const Entry& e, const KeyProbe& p) const {
      return e.size == p.key.size() && e.head == p.head && e.tail == p.tail &&
             (e.size <= 16 || owner->key(e.slot) == p.key);
    }
    bool operator()(const KeyProbe& p, const Entry& e) const { return (*this)(e, p); }
  };

  absl::flat_hash_set<Entry, Hash, Eq> index_;
  std::string bytes_;         // every key's bytes, in slot order
  std::vector<size_t> ends_;  // per slot: the end of its bytes in bytes_
};

}  // namespace sluice
