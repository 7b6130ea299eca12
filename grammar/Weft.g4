grammar Weft;
module : ID* EOF ;
ID : [a-z]+ ;
WS : [ \t\r\n]+ -> skip ;
