package io.portrait.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every {@code portrait …} command line shown in a code block of the README and docs/ parses with
 * the CLI as it is: a renamed option or subcommand fails here, not in a reader's terminal. Optional
 * parts written as {@code [--flag value]} count as given; a shell comment, pipe, redirection or
 * trailing {@code &} ends the command.
 */
class DocCommandsTest {
    static final Set<String> ENDS = Set.of("#", "|", ">", ">>", "&&", ";", "&", "2>&1");

    record Shown(String where, String line) {}

    @Test
    void everyCommandLineInTheDocsParses() throws IOException {
        List<Shown> shown = new ArrayList<>();
        List<Path> files = new ArrayList<>(List.of(Path.of("README.md")));
        try (Stream<Path> docs = Files.walk(Path.of("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        for (Path f : files) {
            shown.addAll(commands(f));
        }
        assertThat(shown).as("command lines found in the docs").hasSizeGreaterThan(20);
        List<String> failures = new ArrayList<>();
        for (Shown s : shown) {
            List<String> args = tokens(s.line());
            try {
                CommandLine.ParseResult r =
                        PortraitCli.newCommandLine().parseArgs(args.toArray(String[]::new));
                if (!r.hasSubcommand()) {
                    failures.add(s.where() + ": names no subcommand: " + s.line());
                }
            } catch (CommandLine.ParameterException e) {
                failures.add(s.where() + ": " + e.getMessage() + "\n    " + s.line());
            }
        }
        assertThat(failures).isEmpty();
    }

    /** Lines of code blocks (fenced or indented) that run portrait, continuations joined. */
    static List<Shown> commands(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        List<Shown> out = new ArrayList<>();
        boolean fenced = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.strip().startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            boolean code = fenced || line.startsWith("    ");
            String t = line.strip();
            if (!code || !(t.startsWith("./portrait ") || t.startsWith("portrait "))) {
                continue;
            }
            int at = i + 1;
            StringBuilder joined = new StringBuilder(t);
            while (joined.toString().endsWith("\\") && i + 1 < lines.size()) {
                joined.setLength(joined.length() - 1);
                joined.append(' ').append(lines.get(++i).strip());
            }
            out.add(new Shown(file + ":" + at, joined.toString()));
        }
        return out;
    }

    /** The arguments after the program name, as a shell would split them (quotes kept simple). */
    static List<String> tokens(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        char quote = 0;
        boolean inToken = false;
        for (char c : (line + " ").toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    cur.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inToken = true;
            } else if (Character.isWhitespace(c)) {
                if (inToken) {
                    out.add(cur.toString());
                    cur.setLength(0);
                    inToken = false;
                }
            } else {
                cur.append(c);
                inToken = true;
            }
        }
        List<String> args = new ArrayList<>();
        for (String tok : out.subList(1, out.size())) {
            if (ENDS.contains(tok)) {
                break;
            }
            String a = tok.replace("[", "").replace("]", "");
            if (!a.isEmpty()) {
                args.add(a);
            }
        }
        return args;
    }
}
