// SpawnSiteTable: the spawn calls (their std::source_location) that debug mode has seen,
// each under a 16-bit index small enough for the task header (TaskHeader::spawn_site). So
// recording where a task was spawned costs its memory block no byte: a debug-mode spawn
// looks its site up in a small per-thread cache and stores two bytes.
//
// The table only grows (a program has a fixed set of spawn calls), in chunks that never
// move, so a reader holding an index reads its site with no lock: the index reached the
// reader through the task's header, after the site was written.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <source_location>
#include <tuple>
#include <type_traits>

namespace corio::detail {

class SpawnSiteTable {
 public:
  /// The most sites a table can hold (indices 1 to kMaxSites; 0 means "none").
  static constexpr std::uint32_t kMaxSites = 65535;

  /// A table of at most `capacity` sites (at most kMaxSites; tests use small ones).
  explicit SpawnSiteTable(std::uint32_t capacity = kMaxSites);
  ~SpawnSiteTable();
  SpawnSiteTable(const SpawnSiteTable&) = delete;
  SpawnSiteTable& operator=(const SpawnSiteTable&) = delete;

  /// The index of `where`, added if it is new; 0 when the table is full (the caller keeps
  /// the site elsewhere). Any thread; takes the table's lock.
  std::uint16_t intern(const std::source_location& where);

  /// The site under `index`, an index that intern returned (not 0). Any thread, no lock.
  std::source_location at(std::uint16_t index) const noexcept;

 private:
  static constexpr std::uint32_t kChunkBits = 8;
  static constexpr std::uint32_t kChunkSize = 1u << kChunkBits;
  static constexpr std::uint32_t kChunks = (kMaxSites + 1) / kChunkSize;
  using Key = std::tuple<const char*, const char*, std::uint_least32_t, std::uint_least32_t>;

  const std::uint32_t capacity_;
  std::mutex mutex_;
  absl::flat_hash_map<Key, std::uint16_t> indices_;  // under mutex_
  std::uint32_t size_ = 0;                           // sites added; under mutex_
  std::array<std::atomic<std::source_location*>, kChunks> chunks_{};
};

/// The process's table (never destroyed: tasks may outlive statics).
SpawnSiteTable& spawn_sites();

/// A thread's cache of the sites it interned lately, so that the spawns of a loop take no
/// lock: direct-mapped, by the address of the site's data (a source_location is a pointer
/// to constant data in GCC's and Clang's libraries; others are looked up in the table).
struct CachedSite {
  const void* site = nullptr;
  std::uint16_t index = 0;
};
inline constexpr std::size_t kCachedSites = 16;
extern constinit thread_local CachedSite t_cached_sites[kCachedSites];

/// The address of a site's constant data, which identifies it; null where a source_location
/// is not a pointer.
inline const void* site_address(const std::source_location& where) noexcept {
  if constexpr (sizeof(where) == sizeof(const void*) &&
                std::is_trivially_copyable_v<std::source_location>) {
    return std::bit_cast<const void*>(where);
  } else {
    return nullptr;
  }
}

/// The entry of this thread's cache where `site` (non-null) would be.
inline CachedSite& cached_site(const void* site) noexcept {
  return t_cached_sites[(std::bit_cast<std::uintptr_t>(site) >> 4) % kCachedSites];
}

/// The index of `where` if this thread's cache has it, else 0: a debug-mode spawn's lookup.
inline std::uint16_t cached_spawn_site(const std::source_location& where) noexcept {
  const void* site = site_address(where);
  return site && cached_site(site).site == site ? cached_site(site).index : 0;
}

/// spawn_sites().intern(where), remembered in this thread's cache.
std::uint16_t intern_spawn_site(const std::source_location& where);

}  // namespace corio::detail
