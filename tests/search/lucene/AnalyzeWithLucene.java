// Runs text through Lucene analysis chains described the way a Solr schema describes them, and
// prints the tokens. Used by tests/test_search_schema.py to check deploy/solr/conf/schema.xml with the
// real Lucene analyzers that Solr and Elasticsearch run (Debian's liblucene8-java; ES 7 is Lucene 8).
//
// Input on stdin, one command per line (tab-separated):
//   ANALYZER  <conf dir>               start a chain; resource files resolve against the conf dir
//   TOKENIZER <FactoryClassSimpleName> [key=value ...]
//   FILTER    <FactoryClassSimpleName> [key=value ...]
//   TEXT      <text>                   analyse with the chain so far
// Output: one line per TEXT: "position:term" items separated by spaces.
//
// Compiled and run by tests/lucene/__init__.py (javac, then java -cp <lucene jars>:<classes>).
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.custom.CustomAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;
import org.apache.lucene.analysis.util.TokenFilterFactory;
import org.apache.lucene.analysis.util.TokenizerFactory;

public class AnalyzeWithLucene {
    // Solr names a factory by class ("solr.GermanNormalizationFilterFactory"); Lucene's builder
    // takes the SPI name ("germanNormalization"). Map one to the other as Solr's loader does.
    static String spiName(Set<String> names, boolean tokenizer, String simpleName) {
        for (String name : names) {
            Class<?> cls = tokenizer ? TokenizerFactory.lookupClass(name) : TokenFilterFactory.lookupClass(name);
            if (cls.getSimpleName().equals(simpleName)) return name;
        }
        throw new IllegalArgumentException("no Lucene factory named " + simpleName);
    }

    static Map<String, String> params(String[] parts) {
        Map<String, String> map = new HashMap<>();
        for (int i = 2; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            map.put(parts[i].substring(0, eq), parts[i].substring(eq + 1));
        }
        return map;
    }

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        CustomAnalyzer.Builder builder = null;
        Analyzer analyzer = null;
        StringBuilder out = new StringBuilder();
        String line;
        while ((line = in.readLine()) != null) {
            String[] parts = line.split("\t");
            switch (parts[0]) {
                case "ANALYZER":
                    builder = CustomAnalyzer.builder(Paths.get(parts[1]));
                    analyzer = null;
                    break;
                case "TOKENIZER":
                    builder.withTokenizer(spiName(TokenizerFactory.availableTokenizers(), true, parts[1]), params(parts));
                    break;
                case "FILTER":
                    builder.addTokenFilter(spiName(TokenFilterFactory.availableTokenFilters(), false, parts[1]), params(parts));
                    break;
                case "TEXT":
                    if (analyzer == null) analyzer = builder.build();
                    String text = parts.length > 1 ? parts[1] : "";
                    StringBuilder tokens = new StringBuilder();
                    try (TokenStream stream = analyzer.tokenStream("f", text)) {
                        CharTermAttribute term = stream.addAttribute(CharTermAttribute.class);
                        PositionIncrementAttribute inc = stream.addAttribute(PositionIncrementAttribute.class);
                        stream.reset();
                        int position = -1;
                        while (stream.incrementToken()) {
                            position += inc.getPositionIncrement();
                            if (tokens.length() > 0) tokens.append(' ');
                            tokens.append(position).append(':').append(term);
                        }
                        stream.end();
                    }
                    out.append(tokens).append('\n');
                    break;
                default:
                    throw new IllegalArgumentException("unknown command " + parts[0]);
            }
        }
        System.out.print(out);
    }
}
