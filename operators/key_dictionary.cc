#include "operators/key_dictionary.h"

namespace sluice {

uint32_t KeyDictionary::Insert(const Probe& probe) {
  uint32_t id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
    keys_[id].assign(probe.key);
    hashes_[id] = probe.hash;
    refs_[id] = 0;
  } else {
    id = static_cast<uint32_t>(keys_.size());
    keys_.emplace_back(probe.key);
    hashes_.push_back(probe.hash);
    refs_.push_back(0);
  }
  index_.insert(KeyEntry(probe, id));
  ++idle_;  // until its first AddRef
  return id;
}

void KeyDictionary::Sweep() {
  for (uint32_t id = 0; id < refs_.size(); ++id) {
    if (refs_[id] != 0) continue;  // live, or already free (kFree)
    index_.erase(KeyEntry(hashes_[id], id));
    keys_[id].clear();
    refs_[id] = kFree;
    free_.push_back(id);
  }
  idle_ = 0;
}

}  // namespace sluice
