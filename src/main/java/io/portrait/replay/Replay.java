package io.portrait.replay;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.zip.GZIPInputStream;

/**
 * Reads a dataset file row by row and maps each row to an event, exactly as docs/replay.md defines.
 * Rows that cannot become valid events are still sent, faithfully mapped, so the job's validation
 * puts them in the DLQ with a reason (a guest checkout without customer id becomes an event without
 * {@code user_id} → {@code missing_user}).
 *
 * <pre>{@code
 * try (Replay r = Replay.open(Path.of("online_retail.csv.gz"), ReplayFormat.ONLINE_RETAIL)) {
 *     while (r.hasNext()) send(r.next());
 * }
 * }</pre>
 */
public final class Replay implements Iterator<Replayed>, AutoCloseable {

    static final ZoneId LONDON = ZoneId.of("Europe/London");
    static final DateTimeFormatter RETAIL_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Map<String, String> COUNTRY_CODES = countryCodes();

    private final ReplayFormat format;
    private final CountingStream counting;
    private final long fileBytes;
    private final BufferedReader lines;
    private final MappingIterator<String[]> rows;
    private long rowNumber;
    private Replayed next;

    private Replay(ReplayFormat format, Path file) throws IOException {
        this.format = format;
        this.fileBytes = Files.size(file);
        this.counting = new CountingStream(Files.newInputStream(file));
        InputStream in =
                file.getFileName().toString().endsWith(".gz")
                        ? new GZIPInputStream(counting, 1 << 16)
                        : counting;
        if (format == ReplayFormat.JSONL) {
            lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
            rows = null;
        } else {
            lines = null;
            CsvMapper csv = new CsvMapper();
            csv.enable(CsvParser.Feature.WRAP_AS_ARRAY);
            rows = csv.readerFor(String[].class).readValues(in);
            if (rows.hasNext()) {
                rows.next(); // header
            }
        }
    }

    public static Replay open(Path file, ReplayFormat format) {
        try {
            return new Replay(format, file);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Fraction of the file read so far (compressed bytes), for progress bars. */
    public double progress() {
        return fileBytes == 0 ? 1 : Math.min(1, counting.count / (double) fileBytes);
    }

    public long rowsRead() {
        return rowNumber;
    }

    @Override
    public boolean hasNext() {
        if (next == null) {
            next = read();
        }
        return next != null;
    }

    @Override
    public Replayed next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Replayed r = next;
        next = null;
        return r;
    }

    private Replayed read() {
        try {
            if (format == ReplayFormat.JSONL) {
                String line;
                do {
                    line = lines.readLine();
                    if (line == null) {
                        return null;
                    }
                } while (line.isBlank());
                rowNumber++;
                return jsonLine(line);
            }
            if (!rows.hasNext()) {
                return null;
            }
            String[] row = rows.next();
            rowNumber++;
            return format == ReplayFormat.ONLINE_RETAIL
                    ? onlineRetail(row, rowNumber)
                    : taobao(row, rowNumber);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Replayed jsonLine(String line) {
        String user = null;
        long ts = Long.MIN_VALUE;
        try {
            JsonNode n = MAPPER.readTree(line);
            JsonNode u = n.get("user_id");
            user = u != null && u.isTextual() ? u.textValue() : null;
            JsonNode t = n.get("ts");
            if (t != null && t.isIntegralNumber()) {
                ts = t.longValue();
            } else if (t != null && t.isTextual()) {
                ts = Instant.parse(t.textValue()).toEpochMilli();
            }
        } catch (IOException | RuntimeException unreadable) {
            // Sent as-is: the job's DLQ is where a bad line belongs.
        }
        return new Replayed(user, line.getBytes(StandardCharsets.UTF_8), ts);
    }

    /**
     * Online Retail: {@code InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,
     * CustomerID,Country}.
     */
    static Replayed onlineRetail(String[] row, long rowNumber) throws IOException {
        String invoice = row[0].trim();
        String stockCode = row[1].trim();
        String description = row[2];
        long quantity = Long.parseLong(row[3].trim());
        long ts;
        try {
            ts =
                    LocalDateTime.parse(row[4].trim(), RETAIL_TIME)
                            .atZone(LONDON)
                            .toInstant()
                            .toEpochMilli();
        } catch (DateTimeParseException e) {
            ts = Long.MIN_VALUE;
        }
        BigDecimal unitPrice = new BigDecimal(row[5].trim());
        String customer = row[6].trim();
        String country = row.length > 7 ? row[7].trim() : "";
        boolean cancellation = invoice.startsWith("C");
        long q = cancellation ? Math.abs(quantity) : quantity;
        BigDecimal amount = unitPrice.multiply(BigDecimal.valueOf(q));

        String user =
                customer.isEmpty()
                        ? null
                        : new BigDecimal(customer).stripTrailingZeros().toPlainString();
        ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(buf)) {
            g.writeStartObject();
            g.writeStringField("event_id", "retail-" + rowNumber);
            if (user != null) {
                g.writeStringField("user_id", user);
            }
            g.writeStringField("type", cancellation ? "refund" : "purchase");
            g.writeStringField(
                    "ts", ts == Long.MIN_VALUE ? row[4] : Instant.ofEpochMilli(ts).toString());
            g.writeStringField("order_id", invoice);
            g.writeStringField("item_id", stockCode);
            g.writeStringField("category", retailCategory(stockCode, description));
            g.writeFieldName("amount");
            g.writeNumber(amount);
            g.writeStringField("currency", "GBP");
            g.writeNumberField("quantity", q);
            g.writeStringField("tz", "Europe/London");
            String code = COUNTRY_CODES.get(country.toLowerCase(Locale.ROOT));
            if (code != null) {
                g.writeObjectFieldStart("geo");
                g.writeStringField("country", code);
                g.writeEndObject();
            }
            g.writeEndObject();
        }
        return new Replayed(user, buf.toByteArray(), ts);
    }

    /**
     * The last word of the description, lower case ("WHITE HANGING HEART T-LIGHT HOLDER" →
     * "holder"); stock codes without a digit (POST, DOT, M, BANK CHARGES…) are fees and
     * adjustments: "non_product".
     */
    static String retailCategory(String stockCode, String description) {
        if (stockCode.chars().noneMatch(Character::isDigit)) {
            return "non_product";
        }
        String[] words =
                description == null ? new String[0] : description.trim().split("[^A-Za-z]+");
        for (int i = words.length - 1; i >= 0; i--) {
            if (words[i].length() > 1) {
                return words[i].toLowerCase(Locale.ROOT);
            }
        }
        return "unknown";
    }

    /** Taobao: {@code user_id,item_id,category_id,behavior_type,timestamp} (epoch seconds). */
    static Replayed taobao(String[] row, long rowNumber) throws IOException {
        String user = row[0].trim();
        String type =
                switch (row[3].trim()) {
                    case "pv" -> "view";
                    case "cart" -> "add_to_cart";
                    case "fav" -> "like";
                    case "buy" -> "purchase";
                    default -> row[3].trim();
                };
        long ts = Long.parseLong(row[4].trim()) * 1000L;
        ByteArrayOutputStream buf = new ByteArrayOutputStream(160);
        try (JsonGenerator g = JSON.createGenerator(buf)) {
            g.writeStartObject();
            g.writeStringField("event_id", "taobao-" + rowNumber);
            g.writeStringField("user_id", user);
            g.writeStringField("type", type);
            g.writeNumberField("ts", ts);
            g.writeStringField("item_id", row[1].trim());
            g.writeStringField("category", row[2].trim());
            g.writeStringField("tz", "Asia/Shanghai");
            g.writeEndObject();
        }
        return new Replayed(user, buf.toByteArray(), ts);
    }

    private static Map<String, String> countryCodes() {
        Map<String, String> m = new HashMap<>();
        for (String code : Locale.getISOCountries()) {
            m.put(
                    new Locale("", code).getDisplayCountry(Locale.ENGLISH).toLowerCase(Locale.ROOT),
                    code);
        }
        // Names the dataset uses that differ from the ISO English names.
        m.put("eire", "IE");
        m.put("usa", "US");
        m.put("rsa", "ZA");
        m.put("czech republic", "CZ");
        m.put("channel islands", "JE");
        return m;
    }

    @Override
    public void close() {
        try {
            if (lines != null) {
                lines.close();
            }
            if (rows != null) {
                rows.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Counts the compressed bytes read, for {@link #progress()}. */
    private static final class CountingStream extends FilterInputStream {
        long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }
}
