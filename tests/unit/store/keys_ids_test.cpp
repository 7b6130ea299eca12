#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <thread>
#include <vector>

#include "engine/store/ids.h"
#include "engine/store/keys.h"

using namespace weft::store;

TEST(Keys, U64BigEndianOrdersLikeNumbers) {
  std::vector<std::uint64_t> nums = {0, 1, 255, 256, 65535, 1ull << 32, (1ull << 63) + 5, ~0ull};
  std::vector<std::string> enc;
  for (auto n : nums) enc.push_back(key::u64(n));
  EXPECT_TRUE(std::is_sorted(enc.begin(), enc.end()));
  EXPECT_EQ(key::u64(0x0102030405060708ull), std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  for (auto n : nums) EXPECT_EQ(key::decode_u64(key::u64(n)), n);
}

TEST(Keys, I64OrdersNegativesFirst) {
  std::vector<std::int64_t> nums = {INT64_MIN, -1000, -1, 0, 1, 1000, INT64_MAX};
  std::vector<std::string> enc;
  for (auto n : nums) {
    std::string s;
    key::append_i64(s, n);
    enc.push_back(s);
    key::Reader r(s);
    std::int64_t back = 0;
    ASSERT_TRUE(r.i64(back));
    EXPECT_EQ(back, n);
    EXPECT_TRUE(r.done());
  }
  EXPECT_TRUE(std::is_sorted(enc.begin(), enc.end()));
}

TEST(Keys, StringTuplesKeepOrder) {
  // (string, u64) tuples: encoded order must equal tuple order.
  std::vector<std::pair<std::string, std::uint64_t>> tuples = {
      {"", 5},  {std::string("\0", 1), 0}, {"a", 0}, {"a", 9},
      {std::string("a\0", 2), 1}, {std::string("a\0b", 3), 0}, {"ab", 0}, {"b", 0}};
  std::vector<std::string> enc;
  for (auto& [s, n] : tuples) {
    std::string k;
    key::append_str(k, s);
    key::append_u64(k, n);
    enc.push_back(k);
  }
  ASSERT_TRUE(std::is_sorted(tuples.begin(), tuples.end()));
  EXPECT_TRUE(std::is_sorted(enc.begin(), enc.end()));
  for (std::size_t i = 0; i < tuples.size(); ++i) {
    key::Reader r(enc[i]);
    std::string s;
    std::uint64_t n = 0;
    ASSERT_TRUE(r.str(s));
    ASSERT_TRUE(r.u64(n));
    EXPECT_TRUE(r.done());
    EXPECT_EQ(s, tuples[i].first);
    EXPECT_EQ(n, tuples[i].second);
  }
}

TEST(Keys, ReaderFailsOnShortOrUnterminatedInput) {
  key::Reader r(std::string_view("abc"));
  std::string s;
  EXPECT_FALSE(r.str(s));
  EXPECT_FALSE(r.ok());
  key::Reader r2(std::string_view("\x01\x02", 2));
  std::uint64_t n;
  EXPECT_FALSE(r2.u64(n));
  std::string_view raw;
  key::Reader r3(std::string_view("abcdef"));
  EXPECT_TRUE(r3.raw(4, raw));
  EXPECT_EQ(raw, "abcd");
  EXPECT_FALSE(r3.done());
  EXPECT_FALSE(r3.raw(3, raw));
}

TEST(Keys, PrefixEnd) {
  EXPECT_EQ(key::prefix_end("abc"), std::optional<std::string>("abd"));
  EXPECT_EQ(key::prefix_end(std::string("a\xff\xff", 3)), std::optional<std::string>("b"));
  EXPECT_EQ(key::prefix_end(std::string("\xff", 1)), std::nullopt);
  EXPECT_EQ(key::prefix_end(""), std::nullopt);
}

TEST(Ids, WellFormedAndCarryTheirTime) {
  IdGenerator gen;
  auto id = gen.next(1700000000123);
  EXPECT_EQ(id.size(), id_length);
  EXPECT_TRUE(is_valid_id(id));
  EXPECT_EQ(id_time_ms(id), 1700000000123);
  EXPECT_FALSE(is_valid_id("not-an-id"));
  EXPECT_FALSE(is_valid_id("8ZZZZZZZZZZZZZZZZZZZZZZZZZ"));  // over 128 bits
  EXPECT_FALSE(is_valid_id("01ARZ3NDEKTSV4RRFFQ69G5FAU"));  // 'U' is not Crockford
  EXPECT_EQ(id_time_ms("garbage"), std::nullopt);
  EXPECT_TRUE(is_valid_id("01ARZ3NDEKTSV4RRFFQ69G5FAV"));
  EXPECT_EQ(id_time_ms("01ARYZ6S41TSV4RRFFQ69G5FAV"), 1469918176385);  // ulid-js decodeTime example
}

TEST(Ids, MonotonicWithinAMillisecondAndAcrossThreads) {
  IdGenerator gen;
  std::vector<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.push_back(gen.next(1700000000000));
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
  // A clock going backwards never yields a smaller id.
  auto later = gen.next(1600000000000);
  EXPECT_GT(later, ids.back());

  std::vector<std::vector<std::string>> per_thread(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) per_thread[t].push_back(new_id());
    });
  for (auto& th : threads) th.join();
  std::set<std::string> all;
  for (auto& v : per_thread) {
    EXPECT_TRUE(std::is_sorted(v.begin(), v.end()));
    all.insert(v.begin(), v.end());
  }
  EXPECT_EQ(all.size(), 8000u);
}

TEST(Ids, FloorBoundsTimeRanges) {
  auto lo = id_floor(1700000000000);
  EXPECT_TRUE(is_valid_id(lo));
  EXPECT_EQ(id_time_ms(lo), 1700000000000);
  auto hi = id_floor(1700000000001);
  IdGenerator gen;
  auto mid = gen.next(1700000000001);
  EXPECT_LT(lo, hi);
  EXPECT_LT(hi, mid);
  EXPECT_EQ(id_floor(-5), "00000000000000000000000000");
}
