package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
)

func main() {
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		var p string
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			panic(err)
		}
		_, err := regexp.Compile(p)
		e := ""
		if err != nil {
			e = err.Error()
		}
		b, _ := json.Marshal(map[string]string{"pattern": p, "error": e})
		fmt.Println(string(b))
	}
}
