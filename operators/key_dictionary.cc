#include "operators/key_dictionary.h"

namespace sluice {

uint32_t KeyDictionary::FindOrInsert(std::string_view key, uint64_t hash) {
  auto it = index_.find(Ref{key, hash});
  if (it != index_.end()) return it->second;
  uint32_t id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
    keys_[id].assign(key);
    hashes_[id] = hash;
    refs_[id] = 0;
  } else {
    id = static_cast<uint32_t>(keys_.size());
    keys_.emplace_back(key);
    hashes_.push_back(hash);
    refs_.push_back(0);
  }
  index_.emplace(Ref{keys_[id], hash}, id);
  ++idle_;  // until its first AddRef
  return id;
}

void KeyDictionary::Sweep() {
  for (uint32_t id = 0; id < refs_.size(); ++id) {
    if (refs_[id] != 0) continue;  // live, or already free (kFree)
    index_.erase(Ref{keys_[id], hashes_[id]});
    keys_[id].clear();
    refs_[id] = kFree;
    free_.push_back(id);
  }
  idle_ = 0;
}

}  // namespace sluice
