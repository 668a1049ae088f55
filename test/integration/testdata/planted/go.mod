// Build module of the deliberately vulnerable program the evidence consumer tests plant in a
// staged image root (test only, never in an image): x/text v0.3.5 has GO-2021-0113.
module github.com/cairn-os/cairn/test/integration/testdata/planted

go 1.26.0

require golang.org/x/text v0.3.5
