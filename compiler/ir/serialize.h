// Canonical JSON form of the IR: `{"format":1, ...}`, object keys in a fixed order, absent
// optional fields omitted, no whitespace. parse_module(serialize(m)) gives back m exactly, and
// serialize(parse_module(s)) == s for every canonical s. Malformed input is rejected with a
// message naming the JSON path; nothing throws out of the parse functions.
//
// Compact forms: a type is a scalar name ("string", "json", ...) or an array
// (["list",T] ["map",T] ["opt",T] ["union",T...] ["lit","a"] ["rec",[fields]] ["ref","Name"]);
// an expression is an array headed by its operator (["const",v] ["slot",n] ["ctx","body"]
// ["get",e,"f"] ["oget",e,"f"] ["index",e,k] ["!",e] ["neg",e] ["+",a,b] ... ["?:",c,a,b]
// ["list",e...] ["object",[k,e]|[e]...] ["interp",e...] ["call",name,[args],[[n,e]...]?]
// ["fn",name,e...] ["lambda",[slots],body] ["check",T,e,"root"] ["let",slot,value,body]).
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "compiler/ir/ir.h"

namespace weft::ir {

/// JSON form of each part (used by the module form, the hash and the runtime's snapshots).
boost::json::value to_json(const Type& t);
boost::json::value to_json(const ExprPtr& e);  ///< null for a null pointer
boost::json::value to_json(const Action& a);
boost::json::value to_json(const Node& n);
boost::json::value to_json(const Flow& f);
boost::json::value to_json(const Fn& f);
boost::json::value to_json(const Connection& c);
boost::json::value to_json(const Module& m);

/// The canonical text of a module / of one flow.
std::string serialize(const Module& m);
std::string serialize(const Flow& f);

/// Parses the canonical text of a module; nullopt with *error set when malformed (bad JSON,
/// unknown format, missing or mistyped fields, unknown keys, or a flow that fails validate()).
std::optional<Module> parse_module(std::string_view text, std::string* error);
/// Rebuilds a module from the stored form of one flow version (the text version_input() gives:
/// `{"format","flow","types","fns","connections"}`): a module holding that flow and what it depends
/// on. nullopt with *error set when the text is malformed or a key is missing or unknown.
std::optional<Module> module_from_stored(std::string_view text, std::string* error);
/// Parses one flow's JSON form (as produced by to_json(const Flow&)).
std::optional<Flow> flow_from_json(const boost::json::value& v, std::string* error);
/// Parses one type descriptor / expression from their JSON forms.
std::optional<Type> type_from_json(const boost::json::value& v, std::string* error);
std::optional<ExprPtr> expr_from_json(const boost::json::value& v, std::string* error);

}  // namespace weft::ir
