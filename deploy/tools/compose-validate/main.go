// compose-validate loads a compose file the way `docker compose config` does (compose-go: the
// compose-spec schema, interpolation, extends, normalisation, consistency checks) and prints the
// resolved model, without a Docker engine. Used by scripts/validate-deploy.sh where the compose
// CLI plugin is not installed.
//
//	go run ./deploy/tools/compose-validate -f deploy/compose.yaml [--env-file deploy/.env.example] [-q]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	file := flag.String("f", "compose.yaml", "compose file")
	envFile := flag.String("env-file", "", "env file for interpolation")
	quiet := flag.Bool("q", false, "only validate, print nothing")
	flag.Parse()

	opts := []cli.ProjectOptionsFn{cli.WithOsEnv, cli.WithWorkingDirectory(filepath.Dir(*file)), cli.WithName("mixwatch")}
	if *envFile != "" {
		opts = append(opts, cli.WithEnvFiles(*envFile), cli.WithDotEnv)
	}
	po, err := cli.NewProjectOptions([]string{*file}, opts...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "compose: %v\n", err)
		os.Exit(1)
	}
	project, err := po.LoadProject(context.Background())
	if err != nil {
		fmt.Fprintf(os.Stderr, "compose: %s: %v\n", *file, err)
		os.Exit(1)
	}
	if *quiet {
		fmt.Printf("compose: %s valid (%d services)\n", *file, len(project.Services))
		return
	}
	out, err := project.MarshalYAML()
	if err != nil {
		fmt.Fprintf(os.Stderr, "compose: %v\n", err)
		os.Exit(1)
	}
	os.Stdout.Write(out)
}
