#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <sstream>

#include "lsp/transport.h"

namespace weft::lsp {
namespace {

TEST(Transport, ReadsConsecutiveFrames) {
  std::istringstream in(frame("{\"a\":1}") + frame("[]") + "Content-Type: x\r\ncontent-length:  2\r\n\r\n{}");
  FrameReader r(in);
  std::string body, err;
  ASSERT_EQ(r.read(body, err), ReadStatus::Message);
  EXPECT_EQ(body, "{\"a\":1}");
  ASSERT_EQ(r.read(body, err), ReadStatus::Message);
  EXPECT_EQ(body, "[]");
  ASSERT_EQ(r.read(body, err), ReadStatus::Message);
  EXPECT_EQ(body, "{}");
  EXPECT_EQ(r.read(body, err), ReadStatus::Eof);
}

TEST(Transport, BadHeadersAreReportedAndReadingGoesOn) {
  std::istringstream in("Foo: bar\r\n\r\nContent-Length: abc\r\n\r\nnot a header\r\n\r\nContent-Length: 99999999999\r\n\r\n" +
                        frame("{}"));
  FrameReader r(in);
  std::string body, err;
  EXPECT_EQ(r.read(body, err), ReadStatus::BadHeader);
  EXPECT_EQ(err, "missing Content-Length header");
  EXPECT_EQ(r.read(body, err), ReadStatus::BadHeader);
  EXPECT_EQ(err, "invalid Content-Length");
  EXPECT_EQ(r.read(body, err), ReadStatus::BadHeader);
  EXPECT_EQ(r.read(body, err), ReadStatus::BadHeader);
  EXPECT_EQ(err, "Content-Length too large");
  ASSERT_EQ(r.read(body, err), ReadStatus::Message);
  EXPECT_EQ(body, "{}");
}

TEST(Transport, TruncatedBodyIsEof) {
  std::istringstream in("Content-Length: 10\r\n\r\n{\"a\"");
  FrameReader r(in);
  std::string body, err;
  EXPECT_EQ(r.read(body, err), ReadStatus::Eof);
  std::istringstream in2("Content-Length: 10\r\n");
  FrameReader r2(in2);
  EXPECT_EQ(r2.read(body, err), ReadStatus::Eof);
}

TEST(Transport, WriterFramesJson) {
  std::ostringstream out;
  FrameWriter w(out);
  w.write(result_response(7, "é"));
  std::string s = out.str();
  std::string body = s.substr(s.find("\r\n\r\n") + 4);
  EXPECT_EQ(s.substr(0, s.find("\r\n")), "Content-Length: " + std::to_string(body.size()));
  auto v = boost::json::parse(body);
  EXPECT_EQ(v.at("id").as_int64(), 7);
  EXPECT_EQ(v.at("result").as_string(), "é");
  EXPECT_EQ(v.at("jsonrpc").as_string(), "2.0");
}

}  // namespace
}  // namespace weft::lsp
