import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.TreeSet;

/** Loads each file with java.util.Properties and prints "file\thex(key)\thex(value)" lines, sorted by key. */
public class DumpProperties {
    private static String hex(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) sb.append(String.format("%02x", b));
        return sb.toString();
    }

    public static void main(String[] args) throws Exception {
        for (String path : args) {
            Properties props = new Properties();
            try (InputStream in = new FileInputStream(path)) {
                props.load(in);
            }
            for (String key : new TreeSet<>(props.stringPropertyNames())) {
                System.out.println(path + "\t" + hex(key) + "\t" + hex(props.getProperty(key)));
            }
        }
    }
}
