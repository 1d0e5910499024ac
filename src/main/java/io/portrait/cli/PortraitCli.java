package io.portrait.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code portrait} command line. */
@Command(
        name = "portrait",
        mixinStandardHelpOptions = true,
        versionProvider = PortraitCli.Version.class,
        description = "Real-time user profiles on Apache Flink.",
        subcommands = {
            DemoCommand.class,
            JobCommand.class,
            ReplayCommand.class,
            GenerateCommand.class,
            TopicsCommand.class,
            ProfileCommand.class,
            ServeCommand.class,
            DlqCommand.class,
            ServicesCommand.class,
            TrainCommand.class,
            ModelCommand.class,
            RuleCommand.class,
            AlertsCommand.class,
            EvaluateCommand.class,
            CommandLine.HelpCommand.class
        })
public final class PortraitCli implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        exit(newCommandLine().execute(args));
    }

    /** The configured command line (converters, error handling), also used by tests. */
    public static CommandLine newCommandLine() {
        CommandLine cl = new CommandLine(new PortraitCli());
        cl.registerConverter(java.time.Duration.class, Converters::duration);
        cl.setExecutionExceptionHandler(
                (ex, cmd, parseResult) -> {
                    if (ex instanceof IllegalArgumentException) {
                        cmd.getErr().println("portrait: " + ex.getMessage());
                        return 2;
                    }
                    throw ex;
                });
        return cl;
    }

    public static void exit(int code) {
        System.exit(code);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(), "Name a command: demo, job or profile (see --help).");
    }

    /** Version from the jar manifest, if any. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = PortraitCli.class.getPackage().getImplementationVersion();
            return new String[] {"portrait " + (v == null ? "(development build)" : v)};
        }
    }
}
