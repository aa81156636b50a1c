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
  void AddRef(uint32_t id) { ++refs_[id]; }
  // Drops one reference; the key is evicted when none remain.
  void Release(uint32_t id);

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
};

}  // namespace sluice
