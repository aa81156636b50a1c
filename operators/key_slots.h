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
  KeySlots() : index_(0, KeyEntryHash{}, KeyEntryEq<KeySlots>{this}) {}
  KeySlots(const KeySlots&) = delete;
  KeySlots& operator=(const KeySlots&) = delete;

  // The slot of `key`, numbering it size() when new (*inserted is then true).
  // REQUIRES: hash == HashKey(key).
  uint32_t FindOrInsert(std::string_view key, uint64_t hash, bool* inserted) {
    const KeyProbe p(key, hash);
    auto it = index_.find(p);
    *inserted = it == index_.end();
    if (!*inserted) return it->id;
    const uint32_t slot = size();
    bytes_.append(key);
    ends_.push_back(bytes_.size());
    index_.insert(KeyEntry(p, slot));
    return slot;
  }
  static constexpr uint32_t kNone = UINT32_MAX;
  // The slot of `key`, or kNone. REQUIRES: hash == HashKey(key).
  uint32_t Find(std::string_view key, uint64_t hash) const {
    auto it = index_.find(KeyProbe(key, hash));
    return it == index_.end() ? kNone : it->id;
  }
  std::string_view key(uint32_t slot) const {
    const size_t begin = slot == 0 ? 0 : ends_[slot - 1];
    return std::string_view(bytes_).substr(begin, ends_[slot] - begin);
  }
  uint32_t size() const { return static_cast<uint32_t>(ends_.size()); }
  // Room for `n` keys without growing.
  void reserve(size_t n) { index_.reserve(n); }
  // Forgets every key; the table and the arena keep their capacity (the index's clear() would
  // free a large table, and with two threads glibc then hands its pages back to the kernel, to be
  // faulted in again for the next window).
  void Clear() {
    index_.erase(index_.begin(), index_.end());
    bytes_.clear();
    ends_.clear();
  }

 private:
  absl::flat_hash_set<KeyEntry, KeyEntryHash, KeyEntryEq<KeySlots>> index_;  // id: the slot
  std::string bytes_;         // every key's bytes, in slot order
  std::vector<size_t> ends_;  // per slot: the end of its bytes in bytes_
};

}  // namespace sluice
