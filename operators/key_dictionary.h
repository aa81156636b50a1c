// KeyDictionary: a lane's encoded keys mapped to dense ids, with reference counts so that keys no
// longer held by any state are evicted (memory stays flat over long runs with changing keys).
// Lookups use the key hash the router already computed. Not thread-safe: one per lane; neither
// copyable nor movable (the index's equality reads the key storage through a pointer).
#pragma once

#include <cstdint>
#include <cstring>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_set.h>

namespace sluice {

// An encoded key as a hash index compares it: its hash, its first and last 8 bytes (zero-padded
// when shorter) and its length. Keys of up to 16 bytes (every key of one or two numeric fields)
// are equal exactly when these are, with no load of the key's storage.
struct KeyProbe {
  KeyProbe(std::string_view k, uint64_t h) : key(k), hash(h) {
    const size_t n = k.size();
    if (n >= 8) {
      std::memcpy(&head, k.data(), 8);
      std::memcpy(&tail, k.data() + n - 8, 8);
    } else {
      head = tail = 0;
      if (n > 0) std::memcpy(&head, k.data(), n);
    }
  }
  std::string_view key;
  uint64_t hash, head, tail;
};

// A key as a hash index holds it: the words of its KeyProbe, its length and a number (the id or
// slot the index maps it to). Each number is in an index once.
struct KeyEntry {
  KeyEntry(const KeyProbe& p, uint32_t n)
      : hash(p.hash), head(p.head), tail(p.tail), size(static_cast<uint32_t>(p.key.size())),
        id(n) {}
  KeyEntry(uint64_t h, uint32_t n) : hash(h), head(0), tail(0), size(0), id(n) {}  // for erase
  uint64_t hash;
  uint64_t head, tail;
  uint32_t size;
  uint32_t id;
};
struct KeyEntryHash {
  using is_transparent = void;
  size_t operator()(const KeyEntry& e) const { return e.hash; }
  size_t operator()(const KeyProbe& p) const { return p.hash; }
};
// Keys of up to 16 bytes compare from the entry's words alone; longer ones also compare their
// bytes, which `owner->key(id)` gives.
template <typename Owner>
struct KeyEntryEq {
  using is_transparent = void;
  const Owner* owner;
  bool operator()(const KeyEntry& a, const KeyEntry& b) const { return a.id == b.id; }
  bool operator()(const KeyEntry& e, const KeyProbe& p) const {
    return e.size == p.key.size() && e.head == p.head && e.tail == p.tail &&
           (e.size <= 16 || owner->key(e.id) == p.key);
  }
  bool operator()(const KeyProbe& p, const KeyEntry& e) const { return (*this)(e, p); }
};

class KeyDictionary {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  KeyDictionary() : index_(0, KeyEntryHash{}, KeyEntryEq<KeyDictionary>{this}) {}
  KeyDictionary(const KeyDictionary&) = delete;
  KeyDictionary& operator=(const KeyDictionary&) = delete;

  // The id of `key`, or kNone. REQUIRES: hash == HashKey(key).
  uint32_t Find(std::string_view key, uint64_t hash) const {
    auto it = index_.find(Probe(key, hash));
    return it == index_.end() ? kNone : it->id;
  }
  // The id of `key`, inserting it (with no references) when absent.
  uint32_t FindOrInsert(std::string_view key, uint64_t hash) {
    const Probe probe(key, hash);
    auto it = index_.find(probe);
    return it != index_.end() ? it->id : Insert(probe);
  }
  void AddRef(uint32_t id) {
    if (refs_[id]++ == 0) --idle_;
  }
  // Drops one reference. Keys without references are evicted in sweeps, once they outnumber
  // the live keys (and at least 4096 are idle), so a key that comes back soon keeps its id and
  // memory stays within about twice the live keys.
  void Release(uint32_t id) {
    if (--refs_[id] != 0) return;
    ++idle_;
    if (!held_ && SweepDue()) Sweep();
  }
  // Between Hold() and Unhold() no key is evicted, so ids found for a whole batch up front stay
  // valid while the batch's references are taken and released; Unhold() sweeps if one was due.
  void Hold() { held_ = true; }
  void Unhold() {
    held_ = false;
    if (SweepDue()) Sweep();
  }

  std::string_view key(uint32_t id) const { return keys_[id]; }
  // The hash the key was inserted with (HashKey of its bytes).
  uint64_t hash(uint32_t id) const { return hashes_[id]; }
  size_t size() const { return index_.size(); }
  // One more than the largest id ever handed out: a bound for arrays indexed by id.
  size_t capacity_ids() const { return keys_.size(); }

 private:
  using Probe = KeyProbe;

  // Idle keys outnumber both kMinIdle and the live keys.
  bool SweepDue() const { return idle_ > kMinIdle && idle_ > index_.size() - idle_; }
  uint32_t Insert(const Probe& probe);
  void Sweep();

  std::deque<std::string> keys_;  // by id; "" for free ids
  absl::flat_hash_set<KeyEntry, KeyEntryHash, KeyEntryEq<KeyDictionary>> index_;
  std::vector<uint64_t> hashes_;
  std::vector<uint32_t> refs_;
  std::vector<uint32_t> free_;
  size_t idle_ = 0;  // keys in index_ with no references
  bool held_ = false;
  static constexpr size_t kMinIdle = 4096;
  static constexpr uint32_t kFree = UINT32_MAX;  // refs_ mark of an unused id
};

}  // namespace sluice
