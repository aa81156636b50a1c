// KeyDictionary: a lane's encoded keys mapped to dense ids, with reference counts so that keys no
// longer held by any state are evicted (memory stays flat over long runs with changing keys).
// Lookups use the key hash the router already computed. Not thread-safe: one per lane.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>

namespace sluice {

class KeyDictionary {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  // The id of `key`, or kNone. REQUIRES: hash == HashKey(key).
  uint32_t Find(std::string_view key, uint64_t hash) const {
    auto it = index_.find(Ref{key, hash});
    return it == index_.end() ? kNone : it->second;
  }
  // The id of `key`, inserting it (with no references) when absent.
  uint32_t FindOrInsert(std::string_view key, uint64_t hash);
  void AddRef(uint32_t id) {
    if (refs_[id]++ == 0) --idle_;
  }
  // Drops one reference. Keys without references are evicted in sweeps, once they outnumber
  // the live keys (and at least 4096 are idle), so a key that comes back soon keeps its id and
  // memory stays within about twice the live keys.
  void Release(uint32_t id) {
    if (--refs_[id] == 0 && ++idle_ > kMinIdle && idle_ > index_.size() - idle_) Sweep();
  }

  std::string_view key(uint32_t id) const { return keys_[id]; }
  size_t size() const { return index_.size(); }

 private:
  struct Ref {
    std::string_view key;  // points into keys_ (a deque: elements never move)
    uint64_t hash;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(const Ref& r) const { return r.hash; }
  };
  struct Eq {
    using is_transparent = void;
    bool operator()(const Ref& a, const Ref& b) const { return a.key == b.key; }
  };

  absl::flat_hash_map<Ref, uint32_t, Hash, Eq> index_;
  std::deque<std::string> keys_;
  std::vector<uint64_t> hashes_;
  std::vector<uint32_t> refs_;
  std::vector<uint32_t> free_;
  size_t idle_ = 0;  // keys in index_ with no references
  static constexpr size_t kMinIdle = 4096;
  static constexpr uint32_t kFree = UINT32_MAX;  // refs_ mark of an unused id

  void Sweep();
};

}  // namespace sluice
