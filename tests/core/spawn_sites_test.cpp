// SpawnSiteTable (core/src/spawn_sites.hpp): the 16-bit indices that debug mode stores in
// a task's header in place of its spawn site.
#include "spawn_sites.hpp"

#include <gtest/gtest.h>

#include <source_location>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace {

using corio::detail::SpawnSiteTable;

std::source_location site_a() { return std::source_location::current(); }
std::source_location site_b() { return std::source_location::current(); }
std::source_location site_c() { return std::source_location::current(); }

TEST(SpawnSitesTest, ASiteKeepsItsIndexAndTheIndexGivesTheSiteBack) {
  SpawnSiteTable table(8);
  std::uint16_t a = table.intern(site_a());
  std::uint16_t b = table.intern(site_b());
  EXPECT_NE(a, 0u);
  EXPECT_NE(b, 0u);
  EXPECT_NE(a, b);
  EXPECT_EQ(table.intern(site_a()), a);
  EXPECT_EQ(table.at(a).line(), site_a().line());
  EXPECT_EQ(table.at(b).line(), site_b().line());
  EXPECT_EQ(std::string_view(table.at(b).function_name()), site_b().function_name());
}

TEST(SpawnSitesTest, AFullTableAnswersZeroForANewSiteButStillKnowsItsOwn) {
  SpawnSiteTable table(2);
  std::uint16_t a = table.intern(site_a());
  std::uint16_t b = table.intern(site_b());
  EXPECT_EQ(table.intern(site_c()), 0u);  // the caller keeps this one elsewhere
  EXPECT_EQ(table.intern(site_a()), a);
  EXPECT_EQ(table.intern(site_b()), b);
}

// Each instantiation is a distinct site: its function name names N.
template <int N>
std::source_location numbered_site() {
  return std::source_location::current();
}

template <int... N>
std::vector<std::source_location> numbered_sites(std::integer_sequence<int, N...>) {
  return {numbered_site<N>()...};
}

TEST(SpawnSitesTest, SitesPastTheFirstChunkAreStoredAndRead) {
  std::vector<std::source_location> sites = numbered_sites(std::make_integer_sequence<int, 300>());
  SpawnSiteTable table;
  std::vector<std::uint16_t> indices;
  for (const auto& site : sites) indices.push_back(table.intern(site));
  for (std::size_t i = 0; i < sites.size(); ++i) {
    ASSERT_EQ(indices[i], i + 1);  // dense, in order of first sight
    EXPECT_EQ(std::string_view(table.at(indices[i]).function_name()), sites[i].function_name());
  }
}

TEST(SpawnSitesTest, TheProcessTableIsSharedByEveryThread) {
  std::uint16_t here = corio::detail::intern_spawn_site(site_c());
  std::uint16_t there = 0;
  std::thread([&] { there = corio::detail::intern_spawn_site(site_c()); }).join();
  EXPECT_NE(here, 0u);
  EXPECT_EQ(here, there);
  EXPECT_EQ(corio::detail::spawn_sites().at(here).line(), site_c().line());
}

}  // namespace
