module github.com/fabricpress/fabricpress

go 1.26.0

require (
	github.com/golang/freetype v0.0.0-20170609003504-e2365dfdc4a0
	github.com/rivo/uniseg v0.4.7
	github.com/tidwall/gjson v1.20.2
	golang.org/x/image v0.48.0
)

require (
	github.com/tidwall/match v1.1.1 // indirect
	github.com/tidwall/pretty v1.3.0 // indirect
	golang.org/x/text v0.44.0 // indirect
)
