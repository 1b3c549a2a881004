package code

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// Bars is a Code 128 symbol as a row of modules of equal width, true = bar.
// The quiet zone (at least 10 modules on each side) is not included; see
// Rects.
type Bars struct {
	Modules []bool
}

// Code 128 symbol values with a fixed meaning in every code set.
const (
	c128Shift  = 98  // in A or B: the next character is from the other of A/B
	c128CodeC  = 99  // switch to set C (from A or B)
	c128CodeB  = 100 // switch to set B (from A or C)
	c128CodeA  = 101 // switch to set A (from B or C)
	c128StartA = 103 // Start A; Start B and Start C follow
	c128Stop   = 106
)

// c128Patterns holds the bar/space widths of every symbol value, bar
// first; each pattern is 11 modules wide, except Stop (value 106), which
// is 13 modules including its final 2-module bar.
var c128Patterns = [107]string{
	"212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213",
	"221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132",
	"221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211",
	"212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
	"231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331",
	"231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111",
	"314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214",
	"112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
	"111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
	"214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141",
	"114131", "311141", "411131", "211412", "211214", "211232", "2331112",
}

// Code sets, in the order of their start codes (Start A = 103 + setA).
const (
	setA = iota
	setB
	setC
)

// Code128 encodes content as a Code 128 symbol: start code, data, checksum
// and stop pattern with its final bar. Code sets are chosen to give the
// fewest symbols (hence the narrowest code): set B for text, set C for
// runs of digits where pairing them pays for the switch (for example
// all-digit content of even length, or four or more digits at either end),
// set A (or a single-character shift) for control characters.
//
// Content must be non-empty ASCII (0-127); any other character is an error
// naming it and its position (counted in characters from 1).
func Code128(content string) (*Bars, error) {
	values, err := code128Values(content)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, v := range values {
		n += c128Width(v)
	}
	b := &Bars{Modules: make([]bool, n)}
	i := 0
	for _, v := range values {
		bar := true
		for _, w := range []byte(c128Patterns[v]) {
			for k := byte(0); k < w-'0'; k++ {
				b.Modules[i] = bar
				i++
			}
			bar = !bar
		}
	}
	return b, nil
}

func c128Width(v int) int {
	if v == c128Stop {
		return 13
	}
	return 11
}

// code128Values returns the symbol values of content's Code 128 symbol:
// start, data, checksum and stop.
func code128Values(content string) ([]int, error) {
	if content == "" {
		return nil, errors.New("code: Code 128 content is empty")
	}
	pos := 0
	for i, r := range content {
		pos++
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(content[i:]); size == 1 {
				return nil, fmt.Errorf("code: Code 128 content has an invalid UTF-8 byte 0x%02X at position %d", content[i], pos)
			}
		}
		if r > 127 {
			return nil, fmt.Errorf("code: Code 128 cannot encode %q (U+%04X) at position %d: only ASCII characters 0-127 are allowed", r, r, pos)
		}
	}
	// content is ASCII from here on: byte index = character index.
	ops := c128Plan(content)
	values := make([]int, 0, len(ops)+len(content)+3)
	set := 0
	i := 0
	for _, o := range ops {
		switch o.kind {
		case opStart:
			set = o.set
			values = append(values, c128StartA+set)
		case opSwitch:
			set = o.set
			values = append(values, [3]int{c128CodeA, c128CodeB, c128CodeC}[set])
		case opChar:
			values = append(values, c128Value(set, content[i]))
			i++
		case opShift:
			values = append(values, c128Shift, c128Value(setA+setB-set, content[i]))
			i++
		case opPair:
			values = append(values, int(content[i]-'0')*10+int(content[i+1]-'0'))
			i += 2
		}
	}
	sum := values[0]
	for k, v := range values[1:] {
		sum += (k + 1) * v
	}
	return append(values, sum%103, c128Stop), nil
}

// c128Value is the value of ASCII character c in code set A or B.
func c128Value(set int, c byte) int {
	if set == setA && c < 32 {
		return int(c) + 64
	}
	return int(c) - 32
}

type opKind uint8

const (
	opNone   opKind = iota
	opStart         // start code in set
	opSwitch        // switch to set
	opChar          // one character in the current set (A or B)
	opShift         // shift + one character from the other of A/B
	opPair          // two digits in set C
)

type c128Op struct {
	kind opKind
	set  int
}

// c128State is one node of the shortest-symbol search: the cheapest way
// found to have encoded the first i characters and be in a code set.
type c128State struct {
	cost     int // symbols so far, start included
	switches int // set changes and shifts: fewer wins a tie
	from     int // set of the predecessor (same i for a switch)
	op       opKind
	ok       bool
}

func (s c128State) better(t c128State) bool {
	if !t.ok {
		return true
	}
	if s.cost != t.cost {
		return s.cost < t.cost
	}
	return s.switches < t.switches
}

// c128Plan finds a sequence of start, switch, shift, character and digit
// pair operations with the fewest symbols for content (ASCII). It is a
// shortest path over (characters encoded, current set): arrive[i][s] is
// the best way to reach position i in set s by encoding characters, and
// at[i][s] additionally allows one set switch at i.
func c128Plan(content string) []c128Op {
	n := len(content)
	arrive := make([][3]c128State, n+1)
	at := make([][3]c128State, n+1)
	relax := func(dst *c128State, s c128State) {
		if s.better(*dst) {
			*dst = s
		}
	}
	order := [3]int{setB, setC, setA} // tie preference
	for _, s := range order {
		arrive[0][s] = c128State{cost: 1, from: s, op: opStart, ok: true}
	}
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	for i := 0; i <= n; i++ {
		for _, t := range order {
			at[i][t] = arrive[i][t]
			for _, s := range order {
				if s == t || !arrive[i][s].ok {
					continue
				}
				a := arrive[i][s]
				relax(&at[i][t], c128State{cost: a.cost + 1, switches: a.switches + 1, from: s, op: opSwitch, ok: true})
			}
		}
		if i == n {
			break
		}
		c := content[i]
		for _, s := range order {
			a := at[i][s]
			if !a.ok {
				continue
			}
			switch s {
			case setA:
				if c < 96 {
					relax(&arrive[i+1][s], c128State{cost: a.cost + 1, switches: a.switches, from: s, op: opChar, ok: true})
				} else {
					relax(&arrive[i+1][s], c128State{cost: a.cost + 2, switches: a.switches + 1, from: s, op: opShift, ok: true})
				}
			case setB:
				if c >= 32 {
					relax(&arrive[i+1][s], c128State{cost: a.cost + 1, switches: a.switches, from: s, op: opChar, ok: true})
				} else {
					relax(&arrive[i+1][s], c128State{cost: a.cost + 2, switches: a.switches + 1, from: s, op: opShift, ok: true})
				}
			case setC:
				if i+1 < n && isDigit(c) && isDigit(content[i+1]) {
					relax(&arrive[i+2][s], c128State{cost: a.cost + 1, switches: a.switches, from: s, op: opPair, ok: true})
				}
			}
		}
	}
	// Best final set (ending on a switch never helps).
	end := -1
	for _, s := range order {
		if arrive[n][s].ok && (end < 0 || arrive[n][s].better(arrive[n][end])) {
			end = s
		}
	}
	// Walk back.
	var rev []c128Op
	i, s, switched := n, end, false
	for {
		var st c128State
		if switched {
			st = at[i][s]
		} else {
			st = arrive[i][s]
		}
		rev = append(rev, c128Op{kind: st.op, set: s})
		switch st.op {
		case opStart:
			for a, b := 0, len(rev)-1; a < b; a, b = a+1, b-1 {
				rev[a], rev[b] = rev[b], rev[a]
			}
			return rev
		case opSwitch:
			s, switched = st.from, false
		case opChar, opShift:
			i, switched = i-1, true
		case opPair:
			i, switched = i-2, true
		}
	}
}
