// Command stemma runs Stemma's services (stemma serve) and talks to a
// running Stemma. Run `stemma --help` for the commands.
package main

import (
	"os"

	"github.com/stemma-registry/stemma/services/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:])) }
