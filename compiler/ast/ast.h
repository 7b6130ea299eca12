// The AST of a .flow module: owned, plain structs with exact source ranges.
// Built by compiler/syntax, read by sema, ir lowering, the formatter and the LSP.
// Nodes use one struct per category (TypeExpr, Expr, Stmt, Decl) with a `kind` tag and the
// fields that kind uses; each field comment names the kinds that use it.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/diagnostics/source.h"

namespace weft::ast {

using diagnostics::Range;

struct TypeExpr;
struct Expr;
struct Stmt;
using TypePtr = std::unique_ptr<TypeExpr>;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;

/// An identifier with its range.
struct Ident {
  std::string name;
  Range range;
};

// ---------------------------------------------------------------- types

/// A field of a record type: `name: T`, `name?: T`, with its `///` doc.
struct FieldDecl {
  Ident name;
  bool optional = false;
  TypePtr type;
  std::string doc;
  Range range;
};

struct TypeExpr {
  enum class Kind {
    Named,          ///< `string`, `Contact`, `common.Contact` (name holds the dotted text)
    List,           ///< `[T]`            args[0] = T
    Map,            ///< `map<T>`         args[0] = T
    Optional,       ///< `T?`             args[0] = T
    Union,          ///< `A | B | ...`    args = members
    StringLiteral,  ///< `"crm"`          name = the literal's value
    Record,         ///< `{ a: T, b?: U }` fields
    Generic,        ///< `Response<T>`    name = "Response", args = type arguments
  };
  Kind kind = Kind::Named;
  Range range;
  std::string name;
  Range name_range;  ///< Named/Generic: range of the name (for navigation)
  std::vector<TypePtr> args;
  std::vector<FieldDecl> fields;
};

// ---------------------------------------------------------------- expressions

/// A piece of a string literal: literal text, or an interpolated `${expr}`.
struct StringPart {
  std::string text;  ///< unescaped text (when expr is null)
  ExprPtr expr;      ///< interpolation (when set)
  Range range;
};

/// A call argument: positional (name empty) or named `name: value`.
struct Arg {
  std::optional<Ident> name;
  ExprPtr value;
  Range range;
};

/// An object literal entry: `key: value`, `"quoted key": value` or `...spread`.
struct ObjectEntry {
  Ident key;            ///< key text (unquoted); empty for spread
  bool quoted = false;  ///< the key was written as a string
  bool spread = false;  ///< `...value`
  ExprPtr value;
  Range range;
};

struct Expr {
  enum class Kind {
    Int,          ///< int_value
    Float,        ///< float_value
    String,       ///< parts (a plain string has one text part or none)
    Bool,         ///< bool_value
    Null,
    Duration,     ///< duration_ms (`1h30m` → 5400000)
    Name,         ///< name
    Member,       ///< operands[0].name            (member = name, member_range)
    OptMember,    ///< operands[0]?.name
    Index,        ///< operands[0][operands[1]]
    Call,         ///< operands[0](args), type_args for `f<T>(...)`; `a.f(x)` is Call{callee: Member}
    Unary,        ///< op operands[0]; op is "!" or "-"
    Binary,       ///< operands[0] op operands[1]; op is one of || && == != < <= > >= + - * / % ??
    Conditional,  ///< operands[0] ? operands[1] : operands[2]
    Lambda,       ///< params => operands[0]
    Object,       ///< entries
    List,         ///< operands = items
    // durable/test forms; sema restricts where they may appear
    Run,          ///< `run flow(args)`   operands[0] = the Call
    Start,        ///< `start flow(args)` operands[0] = the Call (tests)
    Await,        ///< `await h`          operands[0] (tests)
    WaitSignal,   ///< `wait signal "name" [timeout d]` signal_name; operands[0] = timeout (optional)
  };
  Kind kind = Kind::Null;
  Range range;

  int64_t int_value = 0;
  double float_value = 0;
  bool bool_value = false;
  int64_t duration_ms = 0;
  std::string name;           ///< Name: identifier; Member/OptMember: field; Unary/Binary: operator
  Range name_range;           ///< Name/Member/OptMember: range of the identifier
  std::vector<StringPart> parts;
  std::vector<ExprPtr> operands;
  std::vector<Arg> args;
  std::vector<TypePtr> type_args;
  std::vector<Ident> params;  ///< Lambda parameters
  std::vector<ObjectEntry> entries;
  std::string signal_name;    ///< WaitSignal
  Range signal_name_range;
};

// ---------------------------------------------------------------- statements

struct Block {
  std::vector<StmtPtr> stmts;
  Range range;  ///< from `{` to `}`
};

/// `case "a", "b" => { ... }`
struct SwitchCase {
  std::vector<ExprPtr> values;
  Block body;
  Range range;
};

/// `catch [kind] [as name] [where cond] { ... }`
struct CatchClause {
  std::optional<Ident> kind;  ///< http_error, timeout, ...; empty catches everything
  std::optional<Ident> as;
  ExprPtr where;
  Block body;
  Range range;
};

/// `branch name { ... }`
struct Branch {
  Ident name;
  Block body;
  Range range;
};

struct Stmt {
  enum class Kind {
    Let,       ///< `let name = value`
    Step,      ///< `step name = value [retry expr] [timeout expr] [compensate expr]`
    If,        ///< `if cond then [else else_block]` (else if = an If alone in else_block)
    Switch,    ///< `switch value { cases; default }`
    For,       ///< `for name[, index] in value [concurrency c] [into into] body`
    Parallel,  ///< `parallel { branches }`
    Wait,      ///< `wait value` (a duration)
    WaitUntil, ///< `wait until value` (a time)
    Emit,      ///< `emit event_name value`
    Try,       ///< `try body catches`
    Fail,      ///< `fail value [with with]`
    Return,    ///< `return [value]`
    Yield,     ///< `yield value`
    ExprStmt,  ///< a bare expression (e.g. `run flow(x)` in a test)
    // test statements
    Mock,      ///< `mock target(args) [where where] => value` : target = conn.method call; value = the
               ///< response(s), or a Name `timeout` / `connection_error` for a failing call
    Expect,    ///< `expect value`
    Signal,    ///< `signal target event_name [value]`
    Advance,   ///< `advance value`
  };
  Kind kind = Kind::ExprStmt;
  Range range;

  Ident name;              ///< Let/Step: bound name; For: item name
  std::optional<Ident> index;  ///< For: index name
  std::optional<Ident> into;   ///< For: result list name
  ExprPtr value;           ///< main expression of the statement (see kinds)
  ExprPtr target;          ///< Mock: the call `conn.method(path)`; Signal: the handle
  ExprPtr retry;           ///< Step: retry policy object
  ExprPtr timeout;         ///< Step: timeout duration
  ExprPtr compensate;      ///< Step: compensation action
  ExprPtr concurrency;     ///< For
  ExprPtr with;            ///< Fail: details object
  ExprPtr where;           ///< Mock: the request condition (`where body.email == "x"`)
  std::string event_name;  ///< Emit/Signal: the event or signal name
  Range event_name_range;
  Block then;              ///< If: then; For: body; Try: body; Parallel: unused
  std::optional<Block> else_block;  ///< If: else; Switch: default
  std::vector<SwitchCase> cases;
  std::vector<CatchClause> catches;
  std::vector<Branch> branches;
};

// ---------------------------------------------------------------- declarations

/// `name: T [= default]` in fn and flow signatures.
struct Param {
  Ident name;
  TypePtr type;
  ExprPtr default_value;
  Range range;
};

/// `name: value` in connection, trigger and options blocks.
struct Setting {
  Ident name;
  ExprPtr value;
  Range range;
};

struct Trigger {
  enum class Kind { Webhook, Schedule, Poll, Event };
  Kind kind = Kind::Webhook;
  Range range;
  Range keyword_range;         ///< `on webhook` etc.
  ExprPtr subject;             ///< Webhook: path string; Schedule: cron string; Event: type string; Poll: the call
  ExprPtr every;               ///< Poll: interval
  std::vector<Setting> settings;
};

struct Decl {
  enum class Kind { Import, Type, Const, Fn, Connection, Flow, Test };
  Kind kind = Kind::Const;
  Range range;
  Ident name;                  ///< Import: alias; Test: the test's title (unquoted) with its range
  std::string doc;             ///< `///` doc comment text (lines joined with '\n', marker stripped)

  std::string import_path;     ///< Import: path as written
  TypePtr type;                ///< Type: the record (Kind::Record) or the aliased type
  bool is_alias = false;       ///< Type: `type N = T`
  ExprPtr value;               ///< Const: value; Fn: expression body
  std::vector<Param> params;   ///< Fn/Flow
  TypePtr result;              ///< Fn/Flow result type (may be null for a flow with no `->`)
  std::optional<Block> body;   ///< Fn: block body; Flow: statements; Test: statements
  std::string connection_kind; ///< Connection: "http"
  std::vector<Setting> settings;   ///< Connection: fields
  std::vector<Trigger> triggers;   ///< Flow
  std::vector<Setting> options;    ///< Flow: `options { ... }`
  Range options_range;
};

/// A comment kept for the formatter and the LSP.
struct Comment {
  Range range;
  std::string text;  ///< as written, including the `//` or `/*` markers
  bool doc = false;  ///< `///`
};

struct Module {
  diagnostics::SourcePtr source;
  std::vector<Decl> decls;
  std::vector<Comment> comments;
};

}  // namespace weft::ast
