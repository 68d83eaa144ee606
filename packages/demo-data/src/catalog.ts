interface Entry {
  name: string;
  brand: string;
  price: number;
  tags: string[];
  description: string;
}

const p = (name: string, brand: string, price: number, tags: string[], description: string): Entry => ({ name, brand, price, tags, description });

/** The demo catalog: eight categories of believable products (prices in cents). */
export const catalog: { slug: string; name: string; skuPrefix: string; products: Entry[] }[] = [
  {
    slug: 'audio',
    name: 'Audio',
    skuPrefix: 'AUD',
    products: [
      p('Aurora Wireless Headphones', 'Sonora', 19999, ['wireless', 'bluetooth', 'noise-cancelling'], 'Over-ear headphones with adaptive noise cancelling, 40-hour battery and fast USB-C charging.'),
      p('Pulse True Wireless Earbuds', 'Sonora', 12999, ['wireless', 'bluetooth', 'sport'], 'Sweat-resistant earbuds with a pocket charging case and clear call microphones.'),
      p('Studio Monitor Speakers (Pair)', 'Kestrel Audio', 34900, ['speakers', 'studio', 'wired'], 'Bi-amplified 5-inch monitors with a flat response for mixing and everyday listening.'),
      p('Boombox Mini Bluetooth Speaker', 'Tidewave', 5999, ['speakers', 'bluetooth', 'portable', 'waterproof'], 'A palm-sized waterproof speaker that floats, with 12 hours of playback.'),
      p('Vinyl Turntable Classic', 'Kestrel Audio', 24900, ['vinyl', 'turntable', 'retro'], 'Belt-drive turntable with a built-in preamp and a walnut plinth.'),
      p('Podcast USB Microphone', 'Echoform', 8999, ['microphone', 'usb', 'streaming'], 'Cardioid condenser microphone with zero-latency monitoring and a desk stand.'),
      p('Soundbar 2.1 with Subwoofer', 'Tidewave', 29999, ['speakers', 'home-theater', 'bluetooth'], 'Slim soundbar and wireless subwoofer with dialogue enhancement and HDMI ARC.'),
      p('Kids Volume-Limited Headphones', 'Sonora', 2999, ['kids', 'wired', 'headphones'], 'Foldable headphones capped at 85 dB, in bright colours that survive a school bag.'),
    ],
  },
  {
    slug: 'computers',
    name: 'Computers & Tablets',
    skuPrefix: 'CMP',
    products: [
      p('Nimbus 14 Ultrabook', 'Arcfield', 129900, ['laptop', 'ultrabook', 'portable'], 'A 1.2 kg laptop with a 14-inch 2.8K display, 16 GB memory and all-day battery.'),
      p('Nimbus 16 Pro Laptop', 'Arcfield', 219900, ['laptop', 'creator', 'performance'], 'A 16-inch workstation laptop with a dedicated GPU and a colour-accurate display.'),
      p('Slate 11 Tablet', 'Lumen', 44900, ['tablet', 'portable', 'stylus'], 'An 11-inch tablet with stylus support, quad speakers and a matte screen option.'),
      p('Mechanical Keyboard TKL', 'Keystone', 10900, ['keyboard', 'mechanical', 'usb'], 'Tenkeyless mechanical keyboard with hot-swappable switches and PBT keycaps.'),
      p('Ergonomic Wireless Mouse', 'Keystone', 6900, ['mouse', 'wireless', 'ergonomic'], 'A vertical mouse that keeps your wrist neutral, with silent clicks and three devices.'),
      p('27-inch 4K Monitor', 'Lumen', 39900, ['monitor', '4k', 'usb-c'], 'IPS 4K monitor with USB-C power delivery, so one cable charges and connects a laptop.'),
      p('USB-C Docking Station', 'Arcfield', 17900, ['dock', 'usb-c', 'accessories'], 'Two displays, gigabit ethernet, SD card and 100 W charging through one USB-C port.'),
      p('Portable SSD 1TB', 'Datavault', 11900, ['storage', 'ssd', 'portable', 'usb-c'], 'Rugged pocket SSD with 1,050 MB/s transfers and drop protection to two metres.'),
      p('Webcam 1080p with Ring Light', 'Echoform', 7900, ['webcam', 'streaming', 'usb'], 'Full-HD webcam with an adjustable ring light and a privacy shutter.'),
    ],
  },
  {
    slug: 'home-kitchen',
    name: 'Home & Kitchen',
    skuPrefix: 'HOM',
    products: [
      p('Cast Iron Skillet 12-inch', 'Hearthstone', 4499, ['cookware', 'cast-iron'], 'Pre-seasoned cast iron skillet that goes from stovetop to oven to campfire.'),
      p('Chef Knife 8-inch', 'Edgecraft', 8999, ['knives', 'cookware', 'steel'], 'Forged high-carbon steel chef knife with a full tang and a balanced handle.'),
      p('Stand Mixer 5-Quart', 'Hearthstone', 34999, ['baking', 'appliance'], 'Tilt-head stand mixer with ten speeds, a dough hook, whisk and flat beater.'),
      p('Air Fryer XL', 'Crispo', 11999, ['appliance', 'air-fryer', 'healthy'], 'A 6-litre air fryer with a window, so you can watch the fries without opening it.'),
      p('Linen Duvet Cover Set', 'Loomhouse', 15900, ['bedding', 'linen'], 'Stone-washed French linen duvet cover with two pillowcases; softer with every wash.'),
      p('Robot Vacuum S7', 'Tidy Robotics', 39900, ['cleaning', 'smart-home', 'appliance'], 'Lidar-mapped robot vacuum with no-go zones and automatic carpet boost.'),
      p('Glass Food Storage Set', 'Crispo', 3999, ['storage', 'glass', 'kitchen'], 'Ten oven-safe glass containers with leak-proof locking lids.'),
      p('Scented Soy Candle Trio', 'Loomhouse', 3400, ['decor', 'candles'], 'Three hand-poured soy candles: cedar, fig and sea salt.'),
    ],
  },
  {
    slug: 'outdoor',
    name: 'Outdoor & Camping',
    skuPrefix: 'OUT',
    products: [
      p('Trailhead 2-Person Tent', 'Northpeak', 22900, ['tent', 'camping', 'lightweight'], 'Freestanding three-season tent at 1.6 kg with two doors and two vestibules.'),
      p('Down Sleeping Bag -5°C', 'Northpeak', 27900, ['sleeping-bag', 'camping', 'down'], 'Responsibly sourced 650-fill down bag that packs to the size of a loaf of bread.'),
      p('Ultralight Backpack 45L', 'Ridgeway', 18900, ['backpack', 'hiking', 'lightweight'], 'Frameless 45-litre pack with a roll top and stretch side pockets.'),
      p('Trekking Poles Carbon', 'Ridgeway', 11900, ['hiking', 'poles', 'carbon'], 'Three-section carbon poles with cork grips and quick flick-locks.'),
      p('Camp Stove Compact', 'Emberline', 4999, ['stove', 'camping', 'cooking'], 'A 73-gram canister stove that boils a litre of water in three and a half minutes.'),
      p('Insulated Water Bottle 1L', 'Emberline', 3499, ['bottle', 'insulated', 'hiking'], 'Keeps drinks cold for 24 hours or hot for 12, with a leak-proof lid.'),
      p('Headlamp 400 Lumen', 'Northpeak', 3999, ['lighting', 'rechargeable', 'hiking'], 'Rechargeable headlamp with a red night mode and a lock for your pack.'),
      p('Hammock with Straps', 'Ridgeway', 5999, ['hammock', 'camping'], 'Parachute-nylon hammock with tree-friendly straps; set up in a minute.'),
    ],
  },
  {
    slug: 'fitness',
    name: 'Fitness',
    skuPrefix: 'FIT',
    products: [
      p('Adjustable Dumbbells 24kg', 'Ironform', 32900, ['weights', 'strength', 'home-gym'], 'A pair of dial-adjustable dumbbells replacing fifteen sets, 2 to 24 kg each.'),
      p('Yoga Mat Pro 6mm', 'Flowstate', 7900, ['yoga', 'mat'], 'Dense natural-rubber mat with a grippy surface that does not slip when wet.'),
      p('Resistance Bands Set', 'Ironform', 2499, ['strength', 'bands', 'travel'], 'Five latex-free bands with handles, ankle straps and a door anchor.'),
      p('Smart Jump Rope', 'Flowstate', 4999, ['cardio', 'smart', 'jump-rope'], 'Counts jumps and calories on the handle display and syncs to your phone.'),
      p('Foam Roller Textured', 'Flowstate', 2999, ['recovery', 'mobility'], 'High-density foam roller with a ridged surface for deep tissue recovery.'),
      p('Running Watch GPS', 'Pacewise', 24900, ['running', 'gps', 'wearable', 'smart'], 'GPS running watch with heart rate, training load and a 14-day battery.'),
      p('Kettlebell 16kg', 'Ironform', 5999, ['weights', 'strength', 'kettlebell'], 'Single-piece cast iron kettlebell with a smooth, wide handle.'),
      p('Pull-up Bar Doorway', 'Ironform', 3499, ['strength', 'home-gym'], 'Fits doorways 66 to 92 cm wide without screws; holds up to 130 kg.'),
    ],
  },
  {
    slug: 'books',
    name: 'Books',
    skuPrefix: 'BOK',
    products: [
      p('Designing Data-Intensive Systems', 'Oakleaf Press', 4999, ['programming', 'databases', 'hardcover'], 'A practical guide to the ideas behind reliable, scalable and maintainable data systems.'),
      p('The GraphQL Field Guide', 'Oakleaf Press', 3999, ['programming', 'graphql', 'paperback'], 'Schema design, federation and performance for teams running GraphQL in production.'),
      p('Salt, Smoke and Fire', 'Bramble Books', 3500, ['cooking', 'hardcover'], 'Recipes and stories from a decade of cooking over open flame.'),
      p('The Quiet Mountain', 'Bramble Books', 1899, ['fiction', 'paperback'], 'A novel about a lighthouse keeper, a missing letter and a very long winter.'),
      p('Trail Running for Beginners', 'Pacewise Media', 2499, ['running', 'sports', 'paperback'], 'From your first 5 km to your first ultra: training plans, gear and technique.'),
      p('Kids Atlas of Animals', 'Little Fern', 2299, ['kids', 'animals', 'hardcover'], 'A big illustrated atlas of the animals of every continent, for ages 6 to 10.'),
      p('Mindful Minutes Journal', 'Little Fern', 1599, ['journal', 'wellbeing'], 'A guided journal with one short prompt a day for a year.'),
      p('History of Coffee', 'Oakleaf Press', 2799, ['coffee', 'history', 'paperback'], 'How one bean crossed oceans and empires and changed the way the world wakes up.'),
    ],
  },
  {
    slug: 'coffee-tea',
    name: 'Coffee & Tea',
    skuPrefix: 'COF',
    products: [
      p('Espresso Machine Duo', 'Crema & Co', 59900, ['espresso', 'appliance', 'coffee'], 'Dual-boiler espresso machine with PID temperature control and a steam wand.'),
      p('Burr Grinder Precision', 'Crema & Co', 17900, ['grinder', 'coffee'], 'Conical burr grinder with 40 settings, from espresso to cold brew.'),
      p('Pour-Over Kettle Gooseneck', 'Steepwell', 6900, ['kettle', 'pour-over', 'coffee', 'tea'], 'Electric gooseneck kettle with one-degree temperature control and a hold mode.'),
      p('Ethiopia Yirgacheffe Beans 1kg', 'Highland Roasters', 3200, ['coffee', 'beans', 'single-origin'], 'Washed Ethiopian coffee with notes of jasmine, bergamot and honey.'),
      p('House Espresso Blend 1kg', 'Highland Roasters', 2800, ['coffee', 'beans', 'espresso'], 'A chocolatey, low-acid blend of Brazilian and Colombian beans for milk drinks.'),
      p('Matcha Ceremonial Grade 30g', 'Steepwell', 2900, ['tea', 'matcha', 'organic'], 'Stone-ground first-harvest matcha from Uji, for whisking or lattes.'),
      p('Cast Iron Teapot', 'Steepwell', 5400, ['tea', 'teapot', 'cast-iron'], 'Enamelled cast iron teapot with a stainless infuser, 0.8 litres.'),
      p('Cold Brew Maker 1.5L', 'Crema & Co', 3900, ['coffee', 'cold-brew'], 'Glass cold brew carafe with a fine mesh filter; makes a week of coffee concentrate.'),
    ],
  },
  {
    slug: 'toys-games',
    name: 'Toys & Games',
    skuPrefix: 'TOY',
    products: [
      p('Strategy Board Game: Harbors', 'Meeple Works', 4999, ['board-game', 'strategy', 'family'], 'Build trade routes and harbors in this 2-5 player game of clever deals. 60 minutes.'),
      p('Wooden Train Set 80 Pieces', 'Little Fern', 8900, ['kids', 'wooden', 'trains'], 'Beechwood tracks, bridges and magnetic trains compatible with the big brands.'),
      p('Building Bricks Space Station', 'Brickverse', 12900, ['building', 'space', 'kids'], 'A 1,200-piece space station with a docking shuttle and four astronauts.'),
      p('1000-Piece Puzzle: Night Market', 'Meeple Works', 1999, ['puzzle', 'family'], 'A richly coloured jigsaw of a lantern-lit night market, with a poster included.'),
      p('Remote Control Rock Crawler', 'Voltrix', 7900, ['rc', 'cars', 'outdoor'], 'Four-wheel-drive crawler with oil-filled shocks and a 40-minute battery.'),
      p('Card Game: Sly Foxes', 'Meeple Works', 1499, ['card-game', 'party', 'family'], 'A fast bluffing game for 3-8 players; rounds take ten minutes.'),
      p('Plush Octopus Reversible', 'Little Fern', 1299, ['plush', 'kids'], 'A soft reversible octopus: flip it to show a happy or grumpy face.'),
      p('Coding Robot for Kids', 'Voltrix', 9900, ['stem', 'robot', 'kids', 'programming'], 'A screen-free robot that kids program with coloured cards and, later, blocks on a tablet.'),
    ],
  },
];
