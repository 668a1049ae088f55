module github.com/cairn-os/cairn/external/pause

go 1.25.0
