package io.portrait.cli;

import io.portrait.PortraitJob;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code portrait job}: the entry point on a real Flink cluster. */
@Command(
        name = "job",
        mixinStandardHelpOptions = true,
        description = {
            "Run the portrait Flink job on the cluster that submitted it (flink run, the Kubernetes"
                    + " operator). State backend, checkpoints and restarts come from the cluster's"
                    + " config.yaml."
        })
public final class JobCommand implements Callable<Integer> {

    /** The job jar's entry point ({@code flink run}, the Kubernetes operator's entryClass). */
    public static void main(String[] args) {
        PortraitCli.exit(new picocli.CommandLine(new JobCommand()).execute(args));
    }

    @Mixin ConfigOptionsMixin settings;

    @Override
    public Integer call() throws Exception {
        PortraitJob.run(settings.toConfig(Map.of()));
        return 0;
    }
}
