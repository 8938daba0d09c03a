// The spawn-site table (spawn_sites.hpp) and its per-thread cache.
#include "spawn_sites.hpp"

#include <cassert>

namespace corio::detail {

SpawnSiteTable::SpawnSiteTable(std::uint32_t capacity)
    : capacity_(capacity < kMaxSites ? capacity : kMaxSites) {}

SpawnSiteTable::~SpawnSiteTable() {
  for (auto& chunk : chunks_) delete[] chunk.load(std::memory_order_relaxed);
}

std::uint16_t SpawnSiteTable::intern(const std::source_location& where) {
  Key key{where.file_name(), where.function_name(), where.line(), where.column()};
  std::lock_guard lock(mutex_);
  if (auto it = indices_.find(key); it != indices_.end()) return it->second;
  if (size_ == capacity_) return 0;
  std::uint32_t index = ++size_;
  std::atomic<std::source_location*>& chunk = chunks_[index >> kChunkBits];
  std::source_location* sites = chunk.load(std::memory_order_relaxed);
  if (!sites) {
    sites = new std::source_location[kChunkSize];
    chunk.store(sites, std::memory_order_release);
  }
  sites[index & (kChunkSize - 1)] = where;
  indices_.emplace(key, static_cast<std::uint16_t>(index));
  return static_cast<std::uint16_t>(index);
}

std::source_location SpawnSiteTable::at(std::uint16_t index) const noexcept {
  assert(index != 0);
  return chunks_[index >> kChunkBits].load(std::memory_order_acquire)[index & (kChunkSize - 1)];
}

SpawnSiteTable& spawn_sites() {
  static SpawnSiteTable* table = new SpawnSiteTable();
  return *table;
}

constinit thread_local CachedSite t_cached_sites[kCachedSites];

std::uint16_t intern_spawn_site(const std::source_location& where) {
  std::uint16_t index = spawn_sites().intern(where);
  const void* site = site_address(where);
  if (site && index != 0) cached_site(site) = {site, index};
  return index;
}

}  // namespace corio::detail
