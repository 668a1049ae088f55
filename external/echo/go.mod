module github.com/cairn-os/cairn/external/echo

go 1.25.0
