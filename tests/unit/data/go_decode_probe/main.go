package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"reflect"

	"probe/api"
	"probe/rpc2"
)

var types = map[string]reflect.Type{
	"State":            reflect.TypeFor[rpc2.StateIn](),
	"CreateBreakpoint": reflect.TypeFor[rpc2.CreateBreakpointIn](),
	"Eval":             reflect.TypeFor[rpc2.EvalIn](),
	"Command":          reflect.TypeFor[api.DebuggerCommand](),
	"Stacktrace":       reflect.TypeFor[rpc2.StacktraceIn](),
	"ListGoroutines":   reflect.TypeFor[rpc2.ListGoroutinesIn](),
	"Restart":          reflect.TypeFor[rpc2.RestartIn](),
	"FindLocation":     reflect.TypeFor[rpc2.FindLocationIn](),
	"ExamineMemory":    reflect.TypeFor[rpc2.ExamineMemoryIn](),
	"CreateWatchpoint": reflect.TypeFor[rpc2.CreateWatchpointIn](),
	"GuessSubstitutePath": reflect.TypeFor[rpc2.GuessSubstitutePathIn](),
	"ListRegisters": reflect.TypeFor[rpc2.ListRegistersIn](),
	"ListLocalVars": reflect.TypeFor[rpc2.ListLocalVarsIn](),
	"DebugInfoDirectories": reflect.TypeFor[rpc2.DebugInfoDirectoriesIn](),
	"ProcessPid": reflect.TypeFor[rpc2.ProcessPidIn](),
	"AmendBreakpoint": reflect.TypeFor[rpc2.AmendBreakpointIn](),
	"Disassemble": reflect.TypeFor[rpc2.DisassembleIn](),
	"ListPackageVars": reflect.TypeFor[rpc2.ListPackageVarsIn](),
}

// mimics net/rpc/jsonrpc serverCodec.ReadRequestBody
func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line struct {
			M string          `json:"m"`
			P json.RawMessage `json:"p"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			fmt.Println("BADLINE", err)
			continue
		}
		x := reflect.New(types[line.M])
		var params [1]any
		params[0] = x.Interface()
		err := json.Unmarshal(line.P, &params)
		res := map[string]any{"method": "RPCServer." + line.M, "params": line.P}
		if err != nil {
			res["go_error"] = err.Error()
		} else {
			b, _ := json.Marshal(x.Interface())
			res["go_result"] = json.RawMessage(b)
		}
		b, _ := json.Marshal(res)
		fmt.Println(string(b))
	}
}
