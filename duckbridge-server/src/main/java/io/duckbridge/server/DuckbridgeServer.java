package io.duckbridge.server;

import io.duckbridge.server.cli.BackupCommand;
import io.duckbridge.server.cli.CliEncoding;
import io.duckbridge.server.cli.ExportCommand;
import io.duckbridge.server.cli.ImportCommand;
import io.duckbridge.server.cli.QueryCommand;
import io.duckbridge.server.cli.SyncCommand;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.SpringApplication;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code duckbridge-server.jar}: {@code serve} (the default) starts the service; the other
 * subcommands work on the database file directly, or through a running server with {@code --url}.
 */
@Command(
        name = "duckbridge",
        mixinStandardHelpOptions = true,
        versionProvider = DuckbridgeServer.Version.class,
        description = "PostgreSQL to DuckDB analytics companion.",
        subcommands = {
            DuckbridgeServer.Serve.class,
            QueryCommand.class,
            SyncCommand.class,
            ExportCommand.class,
            ImportCommand.class,
            BackupCommand.class
        })
public final class DuckbridgeServer implements java.util.concurrent.Callable<Integer> {
    private static final List<String> SUBCOMMANDS =
            List.of("serve", "query", "sync", "export", "import", "backup", "help", "-h", "--help", "-V", "--version");

    public static void main(String[] args) {
        args = CliEncoding.arguments(args);
        if (args.length == 0 || !SUBCOMMANDS.contains(args[0])) {
            // no subcommand: serve, passing every argument (e.g. --server.port=9090) to Spring Boot
            String[] withServe = new String[args.length + 1];
            withServe[0] = "serve";
            System.arraycopy(args, 0, withServe, 1, args.length);
            args = withServe;
        }
        if (!"serve".equals(args[0])) {
            // the CLI's output is UTF-8 whatever the locale; the service's logging is left as configured
            CliEncoding.useUtf8Output();
        }
        int exit = commandLine().execute(args);
        // a started service keeps running on its own threads; anything else ends here with its exit code
        if (!"serve".equals(args[0]) || exit != CommandLine.ExitCode.OK) {
            System.exit(exit);
        }
    }

    /**
     * The error for arguments that name no subcommand but are not all Spring Boot options either: serving
     * ignores a bare word, so a mistyped subcommand ({@code querry "SELECT 1"}) would start the whole service
     * (and in demo mode generate its data) instead of saying what is wrong. Null when {@code args} are options.
     */
    static String unknownCommand(String[] args) {
        for (String arg : args) {
            if (!arg.startsWith("--")) {
                return "error: unknown command or argument \"" + arg + "\"; commands: serve, query, sync, export,"
                        + " import, backup (see --help); options for serve are Spring Boot properties such as"
                        + " --server.port=9090";
            }
        }
        return null;
    }

    /** The command line, with the version option answering on every subcommand too. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new DuckbridgeServer());
        withVersion(cl);
        // picocli's usage and error messages echo arguments: UTF-8 as the commands' own output, not the locale's
        cl.setOut(new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true));
        cl.setErr(new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true));
        return cl;
    }

    private static void withVersion(CommandLine cl) {
        cl.getCommandSpec().versionProvider(new Version());
        cl.getSubcommands().values().forEach(DuckbridgeServer::withVersion);
    }

    /**
     * Starts the service; 1 when it could not start. Spring Boot has then already said why (its failure analysis,
     * "APPLICATION FAILED TO START", or the logged exception), so the exception is not printed a second time.
     */
    static int serve(String[] springArgs) {
        try {
            SpringApplication.run(DuckbridgeApplication.class, springArgs);
            return CommandLine.ExitCode.OK;
        } catch (RuntimeException reportedBySpringBoot) {
            return 1;
        }
    }

    @Override
    public Integer call() {
        return serve(new String[0]);
    }

    /** {@code serve [--spring.property=value ...]}: starts the HTTP service. */
    @Command(
            name = "serve",
            mixinStandardHelpOptions = true,
            description = "Start the HTTP service (the default). Other options are Spring Boot properties, e.g."
                    + " --server.port=9090 --duckbridge.data-dir=/var/lib/duckbridge (see the README's"
                    + " configuration table).")
    static final class Serve implements java.util.concurrent.Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        /** Spring Boot options ({@code --server.port=9090}); picocli adds to this list, so it is mutable. */
        @CommandLine.Unmatched
        List<String> springArgs = new ArrayList<>();

        @Override
        public Integer call() {
            String[] args = springArgs.toArray(String[]::new);
            String unknown = unknownCommand(args);
            if (unknown != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), unknown);
            }
            return serve(args);
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = DuckbridgeServer.class.getPackage().getImplementationVersion();
            return new String[] {"duckbridge " + (v == null ? "development build" : v)};
        }
    }
}
