// The grammar of the .flow language (docs: docs/design-language.md, docs/language.md).
//
// The lexer emits NL tokens. Before parsing, compiler/syntax/layout.cpp drops the NL tokens that
// do not end a statement or an entry (inside ( ) and [ ], after an operator, `=`, `=>`, `,`, `{`,
// before a line starting with `.name`, `?.`, `??`, `&&`, `||`, `else`, `catch`, a step modifier,
// `}` ...), repairs unclosed brackets and splits the token stream into one chunk per top-level
// declaration, each parsed with `declChunk`. `${...}` interpolations are parsed with
// `interpolation`. Strings are lexed whole; their escapes and pieces are decoded by the parser
// library, not here.
grammar Weft;

// Tokens no lexer rule produces: the parser library retypes a lexed token before parsing.
//   TYPE_ARGS : the `<` that opens the type argument of a generic call (`crm.get<Contact>(...)`):
//               it follows a name with no space and its matching `>` is followed by `(`.
tokens { TYPE_ARGS }

// ============================================================== parser: entry points

declChunk : decl stmtSep? EOF ;
interpolation : expr EOF ;

// ============================================================== declarations

decl
  : importDecl
  | typeDecl
  | constDecl
  | fnDecl
  | connectionDecl
  | flowDecl
  | testDecl
  ;

importDecl     : KW_IMPORT STRING KW_AS ID ;
typeDecl       : KW_TYPE ID ( ASSIGN PIPE? typeExpr | recordType ) ;
constDecl      : KW_CONST ID ASSIGN expr ;
fnDecl         : KW_FN ID LPAREN paramList? RPAREN ( ARROW typeExpr )? ( ASSIGN expr | block ) ;
connectionDecl : KW_CONNECTION ID ASSIGN ID settingsBlock ;
flowDecl       : KW_FLOW ID LPAREN paramList? RPAREN ( ARROW typeExpr )? flowBody ;
testDecl       : KW_TEST STRING block ;

paramList : param ( COMMA param )* COMMA? ;
param     : ID COLON typeExpr ( ASSIGN expr )? ;

settingsBlock : LBRACE ( setting ( entrySep setting )* entrySep? )? RBRACE ;
setting       : anyName COLON expr ;
entrySep      : COMMA | NL ;

flowBody : LBRACE ( flowItem ( stmtSep flowItem )* stmtSep? )? RBRACE ;
flowItem : trigger | optionsBlock | stmt ;
trigger  : KW_ON ID expr ( KW_EVERY expr )? settingsBlock? ;
optionsBlock : KW_OPTIONS settingsBlock ;

// ============================================================== statements

block   : LBRACE ( stmt ( stmtSep stmt )* stmtSep? )? RBRACE ;
stmtSep : ( NL | SEMI )+ ;

stmt
  : letStmt
  | stepStmt
  | ifStmt
  | switchStmt
  | forStmt
  | parallelStmt
  | waitStmt
  | emitStmt
  | tryStmt
  | failStmt
  | returnStmt
  | yieldStmt
  | mockStmt
  | expectStmt
  | signalStmt
  | advanceStmt
  | exprStmt
  ;

letStmt      : KW_LET ID ASSIGN expr ;
stepStmt     : KW_STEP ID ASSIGN expr stepModifier* ;
stepModifier : KW_RETRY expr | KW_TIMEOUT expr | KW_COMPENSATE expr ;
ifStmt       : KW_IF expr block ( KW_ELSE ( ifStmt | block ) )? ;
switchStmt   : KW_SWITCH expr LBRACE ( switchClause ( stmtSep? switchClause )* stmtSep? )? RBRACE ;
switchClause : KW_CASE opExpr ( COMMA opExpr )* FATARROW block
             | KW_DEFAULT FATARROW block
             ;
forStmt      : KW_FOR ID ( COMMA ID )? KW_IN expr ( KW_CONCURRENCY expr )? ( KW_INTO ID )? block ;
parallelStmt : KW_PARALLEL LBRACE ( branch ( stmtSep? branch )* stmtSep? )? RBRACE ;
branch       : KW_BRANCH ID block ;
waitStmt     : KW_WAIT KW_UNTIL expr
             | KW_WAIT expr
             ;
emitStmt     : KW_EMIT STRING expr? ;
tryStmt      : KW_TRY block catchClause+ ;
catchClause  : KW_CATCH errorKind? ( KW_AS ID )? ( KW_WHERE expr )? block ;
errorKind    : ID | KW_TIMEOUT ;
failStmt     : KW_FAIL expr ( KW_WITH expr )? ;
returnStmt   : KW_RETURN expr? ;
yieldStmt    : KW_YIELD expr ;
mockStmt     : KW_MOCK opExpr ( KW_WHERE opExpr )? FATARROW ( KW_TIMEOUT | expr ) ;
expectStmt   : KW_EXPECT expr ;
signalStmt   : KW_SIGNAL opExpr STRING expr? ;
advanceStmt  : KW_ADVANCE expr ;
exprStmt     : expr ;

// ============================================================== expressions

expr
  : lambdaParams FATARROW expr   # lambdaExpr
  | opExpr                       # operatorExpr
  ;

lambdaParams
  : ID
  | LPAREN ( ID ( COMMA ID )* COMMA? )? RPAREN
  ;

// Alternatives are listed from the tightest binding to the loosest (ANTLR's precedence order).
opExpr
  : primary                                           # primaryExpr
  | opExpr DOT anyName                                # memberExpr
  | opExpr QDOT anyName                               # optMemberExpr
  | opExpr LBRACK expr RBRACK                         # indexExpr
  | opExpr TYPE_ARGS typeExpr ( COMMA typeExpr )* COMMA? GT LPAREN argList? RPAREN   # genericCallExpr
  | opExpr LPAREN argList? RPAREN                     # callExpr
  | op=( BANG | MINUS ) opExpr                        # unaryExpr
  | op=( KW_RUN | KW_START | KW_AWAIT ) opExpr        # durableExpr
  | opExpr op=( STAR | SLASH | PERCENT ) opExpr       # binaryExpr
  | opExpr op=( PLUS | MINUS ) opExpr                 # binaryExpr
  | opExpr op=( LT | LE | GT | GE ) opExpr            # binaryExpr
  | opExpr op=( EQ | NEQ ) opExpr                     # binaryExpr
  | opExpr op=ANDAND opExpr                           # binaryExpr
  | opExpr op=OROR opExpr                             # binaryExpr
  | <assoc=right> opExpr op=QQ opExpr                 # binaryExpr
  | <assoc=right> opExpr QUESTION expr COLON expr     # condExpr
  ;

primary
  : INT                                           # intLit
  | FLOAT                                         # floatLit
  | DURATION                                      # durationLit
  | ( STRING | TRIPLE_STRING )                    # stringLit
  | ( KW_TRUE | KW_FALSE )                        # boolLit
  | KW_NULL                                       # nullLit
  | ( ID | KW_TIMEOUT )                           # nameRef   // `timeout` is also an error kind
  | LPAREN expr RPAREN                            # parenExpr
  | LBRACE ( objEntry ( entrySep objEntry )* entrySep? )? RBRACE   # objectLit
  | LBRACK ( expr ( COMMA expr )* COMMA? )? RBRACK                 # listLit
  | KW_WAIT KW_SIGNAL STRING ( KW_TIMEOUT expr )?                  # waitSignalExpr
  ;

objEntry
  : anyName COLON expr      # namedEntry
  | STRING COLON expr       # quotedEntry
  | ELLIPSIS expr           # spreadEntry
  ;

argList : arg ( COMMA arg )* COMMA? ;
arg
  : anyName COLON expr
  | expr
  ;

// ============================================================== types

typeExpr
  : qualifiedName ( LT typeExpr ( COMMA typeExpr )* COMMA? GT )?   # namedType
  | LBRACK typeExpr RBRACK                                          # listType
  | recordType                                                      # recordTypeExpr
  | LPAREN typeExpr RPAREN                                          # parenType
  | STRING                                                          # stringLitType
  | KW_NULL                                                         # nullType
  | typeExpr QUESTION                                               # optionalType
  | typeExpr PIPE typeExpr                                          # unionType
  ;

qualifiedName : ID ( DOT ID )? ;
recordType    : LBRACE ( fieldDecl ( entrySep fieldDecl )* entrySep? )? RBRACE ;
fieldDecl     : anyName QUESTION? COLON typeExpr ;

// A keyword is still a field name, an object key, a named argument or a member after `.`.
anyName
  : ID
  | KW_IMPORT | KW_AS | KW_TYPE | KW_CONST | KW_FN | KW_CONNECTION | KW_FLOW | KW_TEST | KW_ON
  | KW_OPTIONS | KW_STEP | KW_LET | KW_IF | KW_ELSE | KW_SWITCH | KW_CASE | KW_DEFAULT | KW_FOR
  | KW_IN | KW_INTO | KW_CONCURRENCY | KW_YIELD | KW_PARALLEL | KW_BRANCH | KW_WAIT | KW_UNTIL
  | KW_SIGNAL | KW_TIMEOUT | KW_RETRY | KW_COMPENSATE | KW_TRY | KW_CATCH | KW_WHERE | KW_FAIL
  | KW_WITH | KW_RETURN | KW_EMIT | KW_RUN | KW_START | KW_AWAIT | KW_EVERY | KW_MOCK | KW_EXPECT
  | KW_ADVANCE | KW_TRUE | KW_FALSE | KW_NULL
  ;

// ============================================================== lexer

KW_IMPORT      : 'import' ;
KW_AS          : 'as' ;
KW_TYPE        : 'type' ;
KW_CONST       : 'const' ;
KW_FN          : 'fn' ;
KW_CONNECTION  : 'connection' ;
KW_FLOW        : 'flow' ;
KW_TEST        : 'test' ;
KW_ON          : 'on' ;
KW_OPTIONS     : 'options' ;
KW_STEP        : 'step' ;
KW_LET         : 'let' ;
KW_IF          : 'if' ;
KW_ELSE        : 'else' ;
KW_SWITCH      : 'switch' ;
KW_CASE        : 'case' ;
KW_DEFAULT     : 'default' ;
KW_FOR         : 'for' ;
KW_IN          : 'in' ;
KW_INTO        : 'into' ;
KW_CONCURRENCY : 'concurrency' ;
KW_YIELD       : 'yield' ;
KW_PARALLEL    : 'parallel' ;
KW_BRANCH      : 'branch' ;
KW_WAIT        : 'wait' ;
KW_UNTIL       : 'until' ;
KW_SIGNAL      : 'signal' ;
KW_TIMEOUT     : 'timeout' ;
KW_RETRY       : 'retry' ;
KW_COMPENSATE  : 'compensate' ;
KW_TRY         : 'try' ;
KW_CATCH       : 'catch' ;
KW_WHERE       : 'where' ;
KW_FAIL        : 'fail' ;
KW_WITH        : 'with' ;
KW_RETURN      : 'return' ;
KW_EMIT        : 'emit' ;
KW_RUN         : 'run' ;
KW_START       : 'start' ;
KW_AWAIT       : 'await' ;
KW_EVERY       : 'every' ;
KW_MOCK        : 'mock' ;
KW_EXPECT      : 'expect' ;
KW_ADVANCE     : 'advance' ;
KW_TRUE        : 'true' ;
KW_FALSE       : 'false' ;
KW_NULL        : 'null' ;

LPAREN   : '(' ;
RPAREN   : ')' ;
LBRACK   : '[' ;
RBRACK   : ']' ;
LBRACE   : '{' ;
RBRACE   : '}' ;
COMMA    : ',' ;
SEMI     : ';' ;
COLON    : ':' ;
ELLIPSIS : '...' ;
QDOT     : '?.' ;
DOT      : '.' ;
QQ       : '??' ;
QUESTION : '?' ;
ARROW    : '->' ;
FATARROW : '=>' ;
EQ       : '==' ;
NEQ      : '!=' ;
LE       : '<=' ;
GE       : '>=' ;
ASSIGN   : '=' ;
LT       : '<' ;
GT       : '>' ;
PLUS     : '+' ;
MINUS    : '-' ;
STAR     : '*' ;
SLASH    : '/' ;
PERCENT  : '%' ;
ANDAND   : '&&' ;
OROR     : '||' ;
BANG     : '!' ;
PIPE     : '|' ;

// `250ms`, `10s`, `1h30m`: the units and their order are checked by the parser library.
DURATION : ( DIGIT+ ( 'ms' | 's' | 'm' | 'h' | 'd' ) )+ ;
FLOAT    : DIGIT+ '.' DIGIT+ EXPONENT? | DIGIT+ EXPONENT ;
INT      : DIGIT+ ;
// A number run into letters (`5min`, `12abc`, `1.5s`): reported as a bad number or duration.
BAD_NUMBER : DIGIT+ ( '.' DIGIT+ )? [a-zA-Z_] [a-zA-Z0-9_]* ;

TRIPLE_STRING       : '"""' ( ESC_SEQ | INTERP | . )*? '"""' ;
UNTERMINATED_TRIPLE : '"""' ( ~'"' | '"' ~'"' | '""' ~'"' )* ( '"' | '""' )? ;
STRING              : '"' ( ESC_SEQ | INTERP | '$' | ~["\\$\r\n] )* '"' ;
UNTERMINATED_STRING : '"' ( ESC_SEQ | INTERP | '$' | ~["\\$\r\n] )* '\\'? ;

ID : [A-Za-z_] [A-Za-z0-9_]* ;

DOC_COMMENT          : '///' ~[\r\n]* -> channel(HIDDEN) ;
LINE_COMMENT         : '//' ~[\r\n]* -> channel(HIDDEN) ;
BLOCK_COMMENT        : '/*' .*? '*/' -> channel(HIDDEN) ;
UNTERMINATED_COMMENT : '/*' ( ~'*' | '*'+ ~[*/] )* '*'* -> channel(HIDDEN) ;

NL : '\r'? '\n' | '\r' ;
WS : [ \t\f\u000B\uFEFF]+ -> skip ;

// Anything else is one invalid character (reported, then ignored).
ERROR_CHAR : . ;

fragment DIGIT    : [0-9] ;
fragment EXPONENT : [eE] [+-]? DIGIT+ ;
fragment ESC_SEQ  : '\\' ~[\r\n] ;
fragment INTERP   : '${' INTERP_ITEM* '}' ;
fragment INTERP_ITEM
  : STRING
  | TRIPLE_STRING
  | '{' INTERP_ITEM* '}'
  | ~["{}$]    // no `$` in code: a `${` inside an interpolation only starts a nested string's piece
  ;
