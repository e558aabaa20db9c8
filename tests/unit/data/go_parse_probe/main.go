// Command go_parse_probe runs go/parser.ParseExpr (what Delve calls on every Eval
// expression) over JSON-lines inputs on stdin and writes, per input, either the exact
// error text or a compact S-expression of the AST that pydlv's parser must reproduce.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"os"
	"strings"
)

type result struct {
	Input string `json:"input"`
	OK    bool   `json:"ok"`
	AST   string `json:"ast,omitempty"`
	Error string `json:"error,omitempty"`
}

func list(xs []ast.Expr) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = sx(x)
	}
	return strings.Join(parts, " ")
}

func fields(fl *ast.FieldList) string {
	if fl == nil {
		return "nil"
	}
	parts := []string{}
	for _, f := range fl.List {
		names := []string{}
		for _, n := range f.Names {
			names = append(names, n.Name)
		}
		parts = append(parts, "["+strings.Join(names, ",")+"]"+sx(f.Type))
	}
	return "(" + strings.Join(parts, " ") + ")"
}

func sx(n ast.Expr) string {
	switch x := n.(type) {
	case nil:
		return "nil"
	case *ast.Ident:
		return x.Name
	case *ast.BasicLit:
		return x.Kind.String() + ":" + x.Value
	case *ast.ParenExpr:
		return "(paren " + sx(x.X) + ")"
	case *ast.SelectorExpr:
		return "(sel " + sx(x.X) + " " + x.Sel.Name + ")"
	case *ast.IndexExpr:
		return "(index " + sx(x.X) + " " + sx(x.Index) + ")"
	case *ast.IndexListExpr:
		return "(indexlist " + sx(x.X) + " " + list(x.Indices) + ")"
	case *ast.SliceExpr:
		return fmt.Sprintf("(slice %s %s %s %s %v)", sx(x.X), sx(x.Low), sx(x.High), sx(x.Max), x.Slice3)
	case *ast.TypeAssertExpr:
		return "(assert " + sx(x.X) + " " + sx(x.Type) + ")"
	case *ast.CallExpr:
		return fmt.Sprintf("(call %s [%s] %v)", sx(x.Fun), list(x.Args), x.Ellipsis.IsValid())
	case *ast.StarExpr:
		return "(star " + sx(x.X) + ")"
	case *ast.UnaryExpr:
		return "(unary " + x.Op.String() + " " + sx(x.X) + ")"
	case *ast.BinaryExpr:
		return "(binary " + x.Op.String() + " " + sx(x.X) + " " + sx(x.Y) + ")"
	case *ast.KeyValueExpr:
		return "(kv " + sx(x.Key) + " " + sx(x.Value) + ")"
	case *ast.CompositeLit:
		return "(composite " + sx(x.Type) + " [" + list(x.Elts) + "])"
	case *ast.ArrayType:
		return "(array " + sx(x.Len) + " " + sx(x.Elt) + ")"
	case *ast.Ellipsis:
		return "(ellipsis " + sx(x.Elt) + ")"
	case *ast.MapType:
		return "(map " + sx(x.Key) + " " + sx(x.Value) + ")"
	case *ast.ChanType:
		return fmt.Sprintf("(chan %d %s)", x.Dir, sx(x.Value))
	case *ast.FuncType:
		return "(functype " + fields(x.Params) + " " + fields(x.Results) + ")"
	case *ast.FuncLit:
		return fmt.Sprintf("(funclit %s %d)", sx(x.Type), len(x.Body.List))
	case *ast.StructType:
		return "(struct " + fields(x.Fields) + ")"
	case *ast.InterfaceType:
		return "(interface " + fields(x.Methods) + ")"
	case *ast.BadExpr:
		return "bad"
	}
	return fmt.Sprintf("?%T", n)
}

func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	for sc.Scan() {
		var in string
		if err := json.Unmarshal(sc.Bytes(), &in); err != nil {
			panic(err)
		}
		r := result{Input: in}
		x, err := parser.ParseExpr(in)
		if err != nil {
			r.Error = err.Error()
		} else {
			r.OK = true
			r.AST = sx(x)
		}
		if err := enc.Encode(r); err != nil {
			panic(err)
		}
	}
}
