// Command sandbox-bin is the multi-call binary behind `stackwarden sandbox`.
//
// It links the official Kubernetes components as libraries so that a real
// control plane can run on a machine without Docker or downloads. The first
// argument picks the component; every component runs in its own process,
// because the API server's signal handling may only be set up once per process.
//
//	sandbox-bin etcd --data-dir … --listen-client-urls …
//	sandbox-bin kube-apiserver --etcd-servers … --secure-port …
//	sandbox-bin kube-controller-manager --kubeconfig …
//	sandbox-bin kube-scheduler --kubeconfig …
//	sandbox-bin kwok --kubeconfig … --config stages.yaml
//	sandbox-bin kubectl get nodes
package main

import (
	"fmt"
	"os"
	_ "time/tzdata" // CronJob time zones, as upstream's binaries do

	"github.com/spf13/pflag"
	"go.etcd.io/etcd/server/v3/etcdmain"
	_ "k8s.io/client-go/plugin/pkg/client/auth"
	"k8s.io/component-base/cli"
	"k8s.io/component-base/logs"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	kubectlcmd "k8s.io/kubectl/pkg/cmd"
	kubectlutil "k8s.io/kubectl/pkg/cmd/util"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kwokconfig "sigs.k8s.io/kwok/pkg/config"
	kwokcmd "sigs.k8s.io/kwok/pkg/kwok/cmd"
	kwoklog "sigs.k8s.io/kwok/pkg/log"
	kwoksignals "sigs.k8s.io/kwok/pkg/utils/signals"
)

var components = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "kubectl"}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintf(os.Stderr, "usage: %s <component> [flags]\ncomponents: %v\n", os.Args[0], components)
		os.Exit(2)
	}
	component := os.Args[1]
	// Each component parses os.Args itself; make it look as if it were run alone.
	os.Args = append([]string{component}, os.Args[2:]...)

	switch component {
	case "etcd":
		etcdmain.Main(os.Args)
	case "kube-apiserver":
		os.Exit(cli.Run(apiserver.NewAPIServerCommand()))
	case "kube-controller-manager":
		os.Exit(cli.Run(controllermanager.NewControllerManagerCommand()))
	case "kube-scheduler":
		os.Exit(cli.Run(scheduler.NewSchedulerCommand()))
	case "kwok":
		os.Exit(runKwok())
	case "kubectl":
		_, _ = logs.GlogSetter(kubectlcmd.GetLogVerbosity(os.Args)) // nolint:errcheck
		if err := cli.RunNoErrOutput(kubectlcmd.NewDefaultKubectlCommand()); err != nil {
			kubectlutil.CheckErr(err)
		}
	case "version":
		fmt.Println(components)
	default:
		fmt.Fprintf(os.Stderr, "unknown component %q; components: %v\n", component, components)
		os.Exit(2)
	}
}

// runKwok mirrors sigs.k8s.io/kwok/cmd/kwok: global logging and config flags
// are parsed first, then the command runs with the rest.
func runKwok() int {
	// The Kubernetes packages linked into this binary register their own
	// --version flag on pflag's global set at init; cobra would merge it into
	// kwok's command and clash with kwok's. kwok starts from a clean set.
	pflag.CommandLine = pflag.NewFlagSet("kwok", pflag.ContinueOnError)

	flagset := pflag.NewFlagSet("global", pflag.ContinueOnError)
	flagset.ParseErrorsAllowlist.UnknownFlags = true
	flagset.Usage = func() {}

	ctx := kwoksignals.SetupSignalContext()
	ctx, logger := kwoklog.InitFlags(ctx, flagset)
	ctx, err := kwokconfig.InitFlags(ctx, flagset)
	if err != nil {
		logger.Error("Init config flags", "err", err)
		return 1
	}
	command := kwokcmd.NewCommand(ctx)
	command.PersistentFlags().AddFlagSet(flagset)
	if err := command.ExecuteContext(ctx); err != nil {
		logger.Error("Execute exit", "err", err)
		return 1
	}
	return 0
}
